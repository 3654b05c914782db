package io.aligntune.model.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads from a {@code tokenizer.json} what DJL's tokenizer wrapper does not expose: the vocabulary size
 * (largest id + 1 over the model vocabulary and the added tokens) and the ids of a few named tokens (BOS,
 * EOS). Streams the file and skips everything else (Llama 3's merges alone are 280k entries).
 */
final class HfVocabScan {

  private final int vocabSize;
  private final Map<String, Integer> idsOfWanted;

  private HfVocabScan(int vocabSize, Map<String, Integer> idsOfWanted) {
    this.vocabSize = vocabSize;
    this.idsOfWanted = idsOfWanted;
  }

  /** Scans {@code tokenizerJson}, remembering the ids of the token texts in {@code wanted}. */
  static HfVocabScan scan(Path tokenizerJson, Set<String> wanted) throws IOException {
    Map<String, Integer> found = new HashMap<>();
    int maxId = -1;
    try (JsonParser p = new JsonFactory().createParser(tokenizerJson.toFile())) {
      expect(p.nextToken() == JsonToken.START_OBJECT, tokenizerJson, "a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("added_tokens".equals(field) && p.currentToken() == JsonToken.START_ARRAY) {
          maxId = Math.max(maxId, scanAddedTokens(p, wanted, found));
        } else if ("model".equals(field) && p.currentToken() == JsonToken.START_OBJECT) {
          maxId = Math.max(maxId, scanModel(p, wanted, found));
        } else {
          p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      throw new IOException(tokenizerJson + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
    expect(maxId >= 0, tokenizerJson, "a model vocabulary or added tokens");
    return new HfVocabScan(maxId + 1, found);
  }

  /** {@code [{"id": 128000, "content": "<|begin_of_text|>", ...}, ...]}; these win over the model vocab. */
  private static int scanAddedTokens(JsonParser p, Set<String> wanted, Map<String, Integer> found)
      throws IOException {
    int maxId = -1;
    while (p.nextToken() == JsonToken.START_OBJECT) {
      int id = -1;
      String content = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("id".equals(field)) {
          id = p.getIntValue();
        } else if ("content".equals(field)) {
          content = p.getText();
        } else {
          p.skipChildren();
        }
      }
      maxId = Math.max(maxId, id);
      if (content != null && id >= 0 && wanted.contains(content)) {
        found.put(content, id);
      }
    }
    return maxId;
  }

  /**
   * {@code "model": {"vocab": ...}}: an object {@code piece -> id} (BPE, WordPiece, WordLevel) or an array
   * of {@code [piece, score]} whose index is the id (Unigram).
   */
  private static int scanModel(JsonParser p, Set<String> wanted, Map<String, Integer> found)
      throws IOException {
    int maxId = -1;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (!"vocab".equals(field)) {
        p.skipChildren();
      } else if (value == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String piece = p.currentName();
          p.nextToken();
          int id = p.getIntValue();
          maxId = Math.max(maxId, id);
          if (wanted.contains(piece)) {
            found.putIfAbsent(piece, id);
          }
        }
      } else if (value == JsonToken.START_ARRAY) {
        int id = 0;
        for (; p.nextToken() == JsonToken.START_ARRAY; id++) {
          p.nextToken(); // the piece
          String piece = p.getText();
          if (wanted.contains(piece)) {
            found.putIfAbsent(piece, id);
          }
          while (p.nextToken() != JsonToken.END_ARRAY) { // its score
            p.skipChildren();
          }
        }
        maxId = Math.max(maxId, id - 1);
      } else {
        p.skipChildren();
      }
    }
    return maxId;
  }

  private static void expect(boolean ok, Path file, String what) throws IOException {
    if (!ok) {
      throw new IOException(file + ": expected " + what + "; not a Hugging Face tokenizer.json");
    }
  }

  int vocabSize() {
    return vocabSize;
  }

  /** Id of a token named by its text, looked up among the added tokens first, then the model vocab. */
  OptionalInt idOf(String tokenText) {
    Integer id = idsOfWanted.get(tokenText);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }
}
