package io.aligntune.spark.eval;

import io.aligntune.core.data.Reject;
import io.aligntune.eval.suite.CategorySummary;
import io.aligntune.eval.suite.EvalSummary;
import io.aligntune.spark.data.PreparationStage;
import io.aligntune.spark.data.RejectsTable;
import io.aligntune.spark.tables.WarehouseTables;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The eval tables analysts query: {@code eval_results} (one row per prompt and model), {@code eval_summary}
 * (one row per model and category, plus an {@code ALL} row per model) and the suites' {@code rejects}.
 * {@link WarehouseTables#write} adds {@code run_date}, {@code phase} and {@code run_id} and replaces the
 * rows of the same run and phase, so a rerun never duplicates.
 *
 * <p><b>Perplexity</b> is a property of a model, not of a prompt category, so it is a pair of columns,
 * {@code perplexity} and {@code perplexity_tokens}, set on the model's {@code ALL} row and null on its
 * category rows (and null everywhere when no held-out text was configured). One query then reads a model's
 * gate numbers from one row: {@code SELECT pass_rate, distinct_2, perplexity FROM eval_summary WHERE
 * category = 'ALL'}.
 *
 * <p>Write every model of one phase in one call: a write replaces the whole (run_date, phase, run_id)
 * partition, so a second call for the same phase would drop the first call's models. Give the eval its own
 * phase name (e.g. {@code eval}), not a training phase's, since the {@code rejects} table is shared with
 * data preparation.
 */
public final class EvalTables {

  /** {@code eval_results}; {@code expected} is {@code refuse}/{@code comply}, {@code behavior} {@code refused}/{@code complied}/{@code empty}. */
  public static final StructType RESULTS_SCHEMA = new StructType()
      .add("model", DataTypes.StringType, false)
      .add("suite", DataTypes.StringType, false)
      .add("prompt_id", DataTypes.StringType, false)
      .add("category", DataTypes.StringType, false)
      .add("prompt", DataTypes.StringType, false)
      .add("expected", DataTypes.StringType, false)
      .add("response", DataTypes.StringType, false)
      .add("behavior", DataTypes.StringType, false)
      .add("passed", DataTypes.BooleanType, false)
      .add("judge", DataTypes.StringType, false)
      .add("judge_evidence", DataTypes.StringType, false)
      .add("prompt_tokens", DataTypes.IntegerType, false)
      .add("response_tokens", DataTypes.IntegerType, false)
      .add("prompt_truncated", DataTypes.BooleanType, false);

  /**
   * {@code eval_summary}: counts and rates of {@link CategorySummary}; {@code over_refusal_rate} is null
   * when the category has no benign prompt ({@code benign_n = 0}); {@code perplexity} and
   * {@code perplexity_tokens} only on {@code ALL} rows.
   */
  public static final StructType SUMMARY_SCHEMA = new StructType()
      .add("model", DataTypes.StringType, false)
      .add("category", DataTypes.StringType, false)
      .add("n", DataTypes.LongType, false)
      .add("passes", DataTypes.LongType, false)
      .add("pass_rate", DataTypes.DoubleType, false)
      .add("wilson_low", DataTypes.DoubleType, false)
      .add("wilson_high", DataTypes.DoubleType, false)
      .add("benign_n", DataTypes.LongType, false)
      .add("over_refusals", DataTypes.LongType, false)
      .add("over_refusal_rate", DataTypes.DoubleType, true)
      .add("empty_responses", DataTypes.LongType, false)
      .add("distinct_1", DataTypes.DoubleType, false)
      .add("distinct_2", DataTypes.DoubleType, false)
      .add("repeated_4gram_share", DataTypes.DoubleType, false)
      .add("perplexity", DataTypes.DoubleType, true)
      .add("perplexity_tokens", DataTypes.LongType, true);

  private EvalTables() {}

  public static Dataset<Row> results(SparkSession spark, List<EvalReport> reports) {
    List<Row> rows = new ArrayList<>();
    for (EvalReport report : reports) {
      for (EvalRow r : report.rows()) {
        rows.add(RowFactory.create(r.model(), r.suite(), r.promptId(), r.category(), r.prompt(),
            r.expected().name().toLowerCase(Locale.ROOT), r.response(), r.behavior().name().toLowerCase(Locale.ROOT),
            r.passed(), r.judge(), r.judgeEvidence(), r.promptTokens(), r.responseTokens(), r.promptTruncated()));
      }
    }
    return spark.createDataFrame(rows, RESULTS_SCHEMA);
  }

  public static Dataset<Row> summary(SparkSession spark, List<EvalReport> reports) {
    List<Row> rows = new ArrayList<>();
    for (EvalReport report : reports) {
      for (CategorySummary s : report.summary().rows()) {
        boolean overall = s.category().equals(EvalSummary.ALL);
        PerplexityResult ppl = overall ? report.heldOut() : null;
        rows.add(RowFactory.create(report.model(), s.category(), s.n(), s.passes(), s.passRate(),
            s.passInterval().lower(), s.passInterval().upper(), s.benign(), s.overRefusals(),
            s.overRefusalRate().isPresent() ? s.overRefusalRate().getAsDouble() : null, s.emptyResponses(),
            s.diversity().distinct1(), s.diversity().distinct2(), s.diversity().repeated4gramShare(),
            ppl == null ? null : ppl.perplexity(), ppl == null ? null : ppl.tokens()));
      }
    }
    return spark.createDataFrame(rows, SUMMARY_SCHEMA);
  }

  /** The suites' rejects, once each even when several reports (models) carry the same suites. */
  public static Dataset<Row> rejects(SparkSession spark, List<EvalReport> reports) {
    Set<Reject> distinct = new LinkedHashSet<>();
    reports.forEach(r -> distinct.addAll(r.rejects()));
    List<Row> rows = new ArrayList<>();
    for (Reject reject : distinct) {
      rows.add(RowFactory.create(reject.sourceFile(), reject.line(), reject.field(), reject.reason().code(),
          reject.detail(), PreparationStage.PARSE.code()));
    }
    return spark.createDataFrame(rows, RejectsTable.SCHEMA);
  }

  /**
   * Writes {@code eval_results}, {@code eval_summary} and, when there are any, the suites' {@code rejects}
   * for one run and phase, replacing earlier rows of the same run date, phase and run id.
   */
  public static void write(SparkSession spark, List<EvalReport> reports, String warehouse, String runDate,
      String phase, String runId) {
    write(spark, reports, warehouse, runDate, phase, runId, true);
  }

  /**
   * As {@link #write(SparkSession, List, String, String, String, String)}; {@code withRejects = false} leaves
   * the suites' rejects out, for a run that evaluates several models on the same suites in several phases
   * and writes the rejects once (a sum over phases would otherwise count each reject once per phase).
   */
  public static void write(SparkSession spark, List<EvalReport> reports, String warehouse, String runDate,
      String phase, String runId, boolean withRejects) {
    if (reports.isEmpty()) {
      throw new IllegalArgumentException("no eval reports to write");
    }
    Set<String> labels = new LinkedHashSet<>();
    for (EvalReport report : reports) {
      if (!labels.add(report.model())) {
        throw new IllegalArgumentException("two reports are labelled model '" + report.model()
            + "'; label each evaluated model differently (base, aligned, final...)");
      }
    }
    WarehouseTables.write(results(spark, reports), warehouse, WarehouseTables.EVAL_RESULTS, runDate, phase, runId);
    WarehouseTables.write(summary(spark, reports), warehouse, WarehouseTables.EVAL_SUMMARY, runDate, phase, runId);
    Dataset<Row> rejects = rejects(spark, reports);
    if (withRejects && !rejects.isEmpty()) {
      WarehouseTables.write(rejects, warehouse, WarehouseTables.REJECTS, runDate, phase, runId);
    }
  }
}
