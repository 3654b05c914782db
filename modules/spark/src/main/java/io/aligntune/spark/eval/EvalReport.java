package io.aligntune.spark.eval;

import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.Reject;
import io.aligntune.eval.suite.CategorySummary;
import io.aligntune.eval.suite.EvalSummary;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What one model's evaluation found, for the pipeline's gates and for {@link EvalTables}.
 *
 * @param model the model label
 * @param rows one per prompt, in suite order
 * @param summary pass rates, over-refusal and diversity per category and overall
 * @param heldOut perplexity of the held-out text, or null when none was configured
 * @param rejects quarantined suite records
 * @param suiteReports per suite: records read, accepted, rejected per reason
 */
public record EvalReport(String model, List<EvalRow> rows, EvalSummary summary, PerplexityResult heldOut,
    List<Reject> rejects, Map<String, QuarantineReport> suiteReports) {

  public EvalReport {
    rows = List.copyOf(rows);
    rejects = List.copyOf(rejects);
    suiteReports = Collections.unmodifiableMap(new LinkedHashMap<>(suiteReports));
  }

  /** The overall pass rate, the number the gates compare. */
  public double passRate() {
    return summary.passRate();
  }

  /** Distinct-2 of all responses, the gate's collapse check. */
  public double distinct2() {
    return summary.overall().diversity().distinct2();
  }

  /** Per-category summaries, by category name. */
  public Map<String, CategorySummary> byCategory() {
    return summary.byCategory();
  }

  /** Perplexity of the held-out text; empty when none was configured. */
  public OptionalDouble perplexity() {
    return heldOut == null ? OptionalDouble.empty() : OptionalDouble.of(heldOut.perplexity());
  }

  /** Quarantined suite records, all suites together. */
  public long rejectedRecords() {
    return rejects.size();
  }
}
