package io.aligntune.spark.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.eval.judge.Behavior;
import io.aligntune.eval.judge.ExpectedBehavior;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The table layouts analysts query, and the write's guard; the written tables are read back in {@link EvalJobTest}. */
class EvalTablesTest {

  @Test
  void resultColumns() {
    assertArrayEquals(new String[] {"model", "suite", "prompt_id", "category", "prompt", "expected", "response",
        "behavior", "passed", "judge", "judge_evidence", "prompt_tokens", "response_tokens", "prompt_truncated"},
        EvalTables.RESULTS_SCHEMA.fieldNames());
  }

  @Test
  void summaryColumns() {
    assertArrayEquals(new String[] {"model", "category", "n", "passes", "pass_rate", "wilson_low", "wilson_high",
        "benign_n", "over_refusals", "over_refusal_rate", "empty_responses", "distinct_1", "distinct_2",
        "repeated_4gram_share", "perplexity", "perplexity_tokens"}, EvalTables.SUMMARY_SCHEMA.fieldNames());
  }

  @Test
  void oneWriteHoldsEachModelOnce() {
    EvalRow row = new EvalRow("base", "s", "1", "c", "p", ExpectedBehavior.COMPLY, "r", Behavior.COMPLIED, true, "j",
        "e", 2, 1, false);
    EvalReport report = new EvalReport("base", List.of(row), EvalJob.summarise(List.of(row)), null, List.of(), Map.of());
    assertEquals(1.0, report.passRate());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EvalTables.write(null, List.of(report, report), "/tmp/unused", "2026-12-03", "eval", "r"));
    assertTrue(e.getMessage().contains("'base'"), e.getMessage());
  }
}
