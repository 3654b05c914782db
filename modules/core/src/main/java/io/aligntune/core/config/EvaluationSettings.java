package io.aligntune.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code evaluation:} — the behaviour suite judged per prompt, and the forgetting check.
 *
 * @param suites prompt sets with their expected behaviour
 * @param maxNewTokens tokens generated per prompt (greedy)
 * @param batchSize prompts per generation batch on an executor
 * @param partitions Spark partitions of the prompts
 * @param heldOutText plain text (documents separated by blank lines) whose perplexity catches forgetting;
 *     null to skip
 * @param judge name of the judge (refusal = the documented rule-based refusal detector)
 * @param chat render prompts with the tokenizer's chat template when it has one
 */
public record EvaluationSettings(List<Suite> suites, int maxNewTokens, int batchSize, int partitions,
    String heldOutText, String judge, boolean chat) {

  /**
   * @param path suite file (any Hadoop URI)
   * @param format jsonl ({id, category, prompt, expected}), advbench (CSV goal → refuse) or xstest (CSV label)
   * @param limit first N prompts only (0 = all)
   */
  public record Suite(String path, String format, int limit) {}

  public static final List<String> SUITE_FORMATS = List.of("jsonl", "advbench", "xstest");

  static EvaluationSettings from(ConfigNode n, String file, com.fasterxml.jackson.databind.JsonNode raw) {
    List<Suite> suites = new ArrayList<>();
    com.fasterxml.jackson.databind.JsonNode list = raw == null ? null : raw.get("suites");
    n.has("suites");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw n.error("evaluation.suites", "must be a list of {path, format, limit}");
      }
      for (int i = 0; i < list.size(); i++) {
        ConfigNode s = new ConfigNode(file, "evaluation.suites[" + i + "]", list.get(i));
        suites.add(new Suite(s.requiredString("path"), s.choice("format", "jsonl", SUITE_FORMATS),
            (int) s.integer("limit", 0, 0, 100_000_000)));
        s.rejectUnknown();
      }
    }
    EvaluationSettings e = new EvaluationSettings(suites, (int) n.integer("max_new_tokens", 48, 1, 100_000),
        (int) n.integer("batch_size", 8, 1, 10_000), (int) n.integer("partitions", 2, 1, 100_000),
        n.string("held_out_text", null), n.choice("judge", "refusal", List.of("refusal")), n.bool("chat", false));
    n.rejectUnknown();
    return e;
  }
}
