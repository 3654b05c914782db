package io.aligntune.spark.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real public test data under {@code shared/data} (see its SOURCES.md), found through the system
 * property {@code aligntune.shared.data} that Surefire sets; tests that need it are skipped, saying why,
 * when it is absent, so a fresh clone still builds.
 */
final class SharedTestData {

  static final String TOKENIZER = "models/stories260K/tok512.bin";
  static final String HH = "preferences/hh-rlhf_harmless-base_test.jsonl.gz";
  static final String ORCA = "preferences/orca_dpo_pairs_validation.jsonl";
  static final String ALPACA = "sft/alpaca_data_1k.json";
  /** A Hugging Face tokenizer directory whose tokenizer_config.json holds the Llama 3 chat template. */
  static final String LLAMA3 = "tokenizers/llama3";

  private SharedTestData() {}

  static Path require(String relative) {
    String root = System.getProperty("aligntune.shared.data");
    assumeTrue(root != null && !root.isBlank(),
        "system property aligntune.shared.data is not set (run through Maven, which points it at shared/data)");
    Path file = Path.of(root).resolve(relative);
    assumeTrue(Files.exists(file), "real test data " + file + " is absent");
    return file;
  }
}
