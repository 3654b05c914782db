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
   * <p>No rows (a run with no rejects) still replaces that partition: dynamic overwrite alone would write
   * nothing and leave an earlier attempt's rows in place, and a table that never had a row would have no
   * file to read its schema from. So the partition directory gets one Parquet file with the schema and no
   * rows, and the table reads back with its columns and a count of 0.
   *
   * @param runDate ISO date (YYYY-MM-DD) the run belongs to (the nightly refresh's --date)
   */
  public static void write(Dataset<Row> rows, String warehouse, String table, String runDate, String phase, String runId) {
    if (rows.isEmpty()) {
      // a non-partitioned write of an empty Dataset writes one schema-only file
      rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(partitionLocation(warehouse, table, runDate, phase, runId));
      return;
    }
    rows.sparkSession().conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
    rows.withColumn("run_date", functions.lit(runDate))
        .withColumn("phase", functions.lit(phase))
        .withColumn("run_id", functions.lit(runId))
        .write()
        .mode(SaveMode.Overwrite)
        .partitionBy("run_date", "phase", "run_id")
        .parquet(location(warehouse, table));
  }

  /** The directory of one partition, as Spark names it (values escaped like Hive partition paths). */
  static String partitionLocation(String warehouse, String table, String runDate, String phase, String runId) {
    return location(warehouse, table) + "/run_date=" + escape(runDate) + "/phase=" + escape(phase) + "/run_id="
        + escape(runId);
  }

  private static String escape(String value) {
    return org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils.escapePathName(value);
  }
}
