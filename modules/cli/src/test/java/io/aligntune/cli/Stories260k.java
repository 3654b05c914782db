package io.aligntune.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real llama2.c stories260K model in the shared test assets (../shared/data, passed by Surefire as
 * {@code aligntune.shared.data}); tests that need it are skipped, with the reason, when it is absent.
 */
final class Stories260k {

  /** llama2.c's greedy output for "Once upon a time" with 60 new tokens (shared/data/SOURCES.md). */
  static final String ONCE_UPON_A_TIME = "Once upon a time, there was a little girl named Lily. She loved to play"
      + " outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";

  private Stories260k() {}

  static Path checkpoint() {
    return require("models/stories260K/stories260K.bin");
  }

  static Path tokenizer() {
    return require("models/stories260K/tok512.bin");
  }

  static Path llama3Tokenizer() {
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
