package io.aligntune.spark.tables;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;

/**
 * The Parquet tables analysts query, under one warehouse path: {@code eval_results}, {@code eval_summary},
 * {@code train_metrics}, {@code rejects}. Each is partitioned by {@code run_date}, {@code phase} and
 * {@code run_id}; writing replaces only the partitions of the rows written (dynamic partition overwrite),
 * so re-running a run id replaces its rows instead of duplicating them, and other runs are untouched.
 */
public final class WarehouseTables {

  public static final String EVAL_RESULTS = "eval_results";
  public static final String EVAL_SUMMARY = "eval_summary";
  public static final String TRAIN_METRICS = "train_metrics";
  public static final String REJECTS = "rejects";

  private WarehouseTables() {}

  /** Where a table lives: {@code <warehouse>/<table>}. */
  public static String location(String warehouse, String table) {
    return (warehouse.endsWith("/") ? warehouse : warehouse + "/") + table;
  }

  /**
   * Writes rows of one run and phase, replacing any earlier rows of the same (run_date, phase, run_id).
   *
   * @param runDate ISO date (YYYY-MM-DD) the run belongs to (the nightly refresh's --date)
   */
  public static void write(Dataset<Row> rows, String warehouse, String table, String runDate, String phase, String runId) {
    rows.sparkSession().conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
    rows.withColumn("run_date", functions.lit(runDate))
        .withColumn("phase", functions.lit(phase))
        .withColumn("run_id", functions.lit(runId))
        .write()
        .mode(SaveMode.Overwrite)
        .partitionBy("run_date", "phase", "run_id")
        .parquet(location(warehouse, table));
  }
}
