package io.aligntune.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The parts of a Hugging Face {@code tokenizer_config.json} the trainer needs: the BOS/EOS token texts,
 * {@code add_bos_token} and the chat template. A missing file gives an empty configuration, so a bare
 * {@code tokenizer.json} still loads (then BOS/EOS are unknown).
 *
 * @param bosToken {@code bos_token}, written either as a string or as an AddedToken object's {@code content}
 * @param eosToken {@code eos_token}, in either form
 * @param addBosToken {@code add_bos_token}; true when absent, like {@code LlamaTokenizer}'s default
 * @param chatTemplate {@code chat_template} (a string, or the entry named "default" of a list of named
 *     templates), else the text of a {@code chat_template.jinja} file next to the config
 */
record HfTokenizerConfig(
    Optional<String> bosToken, Optional<String> eosToken, boolean addBosToken, Optional<String> chatTemplate) {

  static final String FILE_NAME = "tokenizer_config.json";

  /** Newer transformers versions save the template in this file instead of the config. */
  private static final String TEMPLATE_FILE_NAME = "chat_template.jinja";

  static HfTokenizerConfig read(Path directory) throws IOException {
    Path file = directory.resolve(FILE_NAME);
    JsonNode root = Files.exists(file) ? readJson(file) : new ObjectMapper().createObjectNode();
    Optional<String> template = chatTemplate(root.get("chat_template"));
    Path templateFile = directory.resolve(TEMPLATE_FILE_NAME);
    if (template.isEmpty() && Files.exists(templateFile)) {
      template = Optional.of(Files.readString(templateFile, StandardCharsets.UTF_8));
    }
    JsonNode addBos = root.get("add_bos_token");
    return new HfTokenizerConfig(
        tokenText(root.get("bos_token")),
        tokenText(root.get("eos_token")),
        addBos == null || addBos.isNull() || addBos.asBoolean(),
        template);
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
    }
  }

  /** A special token is saved as {@code "<s>"} or as {@code {"content": "<s>", "lstrip": false, ...}}. */
  private static Optional<String> tokenText(JsonNode node) {
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (node.isTextual()) {
      return Optional.of(node.asText());
    }
    JsonNode content = node.get("content");
    return content != null && content.isTextual() ? Optional.of(content.asText()) : Optional.empty();
  }

  private static Optional<String> chatTemplate(JsonNode node) {
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (node.isTextual()) {
      return Optional.of(node.asText());
    }
    // Some models ship several templates: [{"name": "default", "template": ...}, {"name": "tool_use", ...}].
    if (node.isArray()) {
      for (JsonNode entry : node) {
        if ("default".equals(entry.path("name").asText()) && entry.path("template").isTextual()) {
          return Optional.of(entry.get("template").asText());
        }
      }
    }
    return Optional.empty();
  }
}
