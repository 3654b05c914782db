package io.aligntune.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one JSON mapper for checkpoint files, strict where a lenient parser would hide corruption: a key
 * given twice or text after the top-level value is an error rather than silently resolved.
 */
final class CheckpointJson {

  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private CheckpointJson() {}

  /**
   * Parses bytes that must hold one JSON object; errors name {@code label} (a file name) and
   * {@code part} (what the bytes are, e.g. "header").
   */
  static JsonNode parseObject(byte[] json, String label, String part) throws CheckpointFormatException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new CheckpointFormatException(label + ": " + part + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new CheckpointFormatException(label + ": " + part + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointFormatException(label + ": " + part + " must be a JSON object");
    }
    return root;
  }

  /** Largest side file (config, index) read whole; real ones are kilobytes, so more means a wrong file. */
  static final long MAX_JSON_FILE_BYTES = 64L << 20;

  /** Reads a small JSON file that must hold one object. */
  static JsonNode readObject(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_JSON_FILE_BYTES) {
      throw new CheckpointFormatException(
          file + ": " + size + " bytes is too large for a JSON side file (limit " + MAX_JSON_FILE_BYTES + ")");
    }
    return parseObject(Files.readAllBytes(file), file.toString(), "file");
  }

  /** Pretty-printed UTF-8 text of a tree, with a final newline as editors and {@code json.dump} tools do. */
  static byte[] prettyBytes(JsonNode node) throws IOException {
    return (MAPPER.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
