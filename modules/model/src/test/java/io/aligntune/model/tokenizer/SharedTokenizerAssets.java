package io.aligntune.model.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared test assets (../shared/data, passed by Surefire as {@code aligntune.shared.data}).
 * Tests that need them are skipped, with the reason, when they are absent, so a fresh clone still builds.
 */
final class SharedTokenizerAssets {

  private SharedTokenizerAssets() {}

  static Path tok512() {
    return require("models/stories260K/tok512.bin");
  }

  static Path stories260kDirectory() {
    return require("models/stories260K");
  }

  static Path gpt2Directory() {
    return require("tokenizers/gpt2");
  }

  static Path llama3Directory() {
    return require("tokenizers/llama3");
  }

  private static Path require(String relative) {
    String root = System.getProperty("aligntune.shared.data");
    assumeTrue(root != null && !root.isBlank(),
        "system property aligntune.shared.data is not set (Surefire sets it to ../shared/data); skipping");
    Path path = Path.of(root).resolve(relative);
    assumeTrue(Files.exists(path), "shared test asset " + path + " is absent; skipping");
    return path;
  }
}
