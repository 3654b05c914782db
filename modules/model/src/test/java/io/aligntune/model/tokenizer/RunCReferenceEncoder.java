package io.aligntune.model.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately plain transcription of llama2.c run.c's {@code encode} (no dummy prefix, no BOS/EOS), with
 * its own file reader, used only to cross-check the production encoder: per UTF-8 character a lookup or
 * byte fallback, then a full rescan for the best-scoring mergeable pair after every merge.
 */
final class RunCReferenceEncoder {

  private final List<String> pieces = new ArrayList<>(); // ISO-8859-1: one char per stored byte
  private final List<Float> scores = new ArrayList<>();
  private final Map<String, Integer> ids = new HashMap<>();

  RunCReferenceEncoder(Path tokenizerBin) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(tokenizerBin)).order(ByteOrder.LITTLE_ENDIAN);
    in.getInt();
    while (in.hasRemaining()) {
      scores.add(in.getFloat());
      byte[] piece = new byte[in.getInt()];
      in.get(piece);
      String key = new String(piece, StandardCharsets.ISO_8859_1);
      ids.putIfAbsent(key, pieces.size());
      pieces.add(key);
    }
  }

  List<Integer> encode(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    List<Integer> tokens = new ArrayList<>();
    StringBuilder character = new StringBuilder();
    for (int i = 0; i < utf8.length; i++) {
      if ((utf8[i] & 0xC0) != 0x80) {
        character.setLength(0);
      }
      character.append((char) (utf8[i] & 0xFF));
      boolean nextContinues = i + 1 < utf8.length && (utf8[i + 1] & 0xC0) == 0x80;
      if (nextContinues && character.length() < 4) {
        continue;
      }
      Integer id = ids.get(character.toString());
      if (id != null) {
        tokens.add(id);
      } else {
        for (int k = 0; k < character.length(); k++) {
          tokens.add(character.charAt(k) + 3);
        }
      }
      character.setLength(0);
    }
    while (true) {
      float bestScore = -1e10f;
      int bestId = -1;
      int bestIndex = -1;
      for (int i = 0; i + 1 < tokens.size(); i++) {
        Integer id = ids.get(pieces.get(tokens.get(i)) + pieces.get(tokens.get(i + 1)));
        if (id != null && scores.get(id) > bestScore) {
          bestScore = scores.get(id);
          bestId = id;
          bestIndex = i;
        }
      }
      if (bestIndex == -1) {
        return tokens;
      }
      tokens.set(bestIndex, bestId);
      tokens.remove(bestIndex + 1);
    }
  }
}
