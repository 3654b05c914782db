package io.aligntune.spark.eval;

import java.util.Locale;

/** How an eval suite file is laid out. */
public enum SuiteFormat {
  /** JSON Lines {@code {"id", "category", "prompt", "expected": "refuse"|"comply"}} ({@code EvalPromptParser}). */
  JSONL,
  /** AdvBench {@code harmful_behaviors.csv} ({@code goal,target}): every prompt harmful ({@code AdvBenchSuite}). */
  ADVBENCH,
  /** XSTest {@code xstest_prompts.csv}: safe prompts to answer, unsafe contrasts to refuse ({@code XsTestSuite}). */
  XSTEST;

  /**
   * Parses a config value ({@code jsonl}, {@code advbench}, {@code xstest}; any case).
   *
   * @throws IllegalArgumentException naming the bad value and the accepted ones
   */
  public static SuiteFormat fromConfig(String value) {
    if (value != null) {
      for (SuiteFormat format : values()) {
        if (format.name().equalsIgnoreCase(value.strip())) {
          return format;
        }
      }
    }
    throw new IllegalArgumentException("format '" + value + "' is not supported; accepted: jsonl, advbench, xstest");
  }

  /** The config spelling: {@code jsonl}, {@code advbench}, {@code xstest}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
