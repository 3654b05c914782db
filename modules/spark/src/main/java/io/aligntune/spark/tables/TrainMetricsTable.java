package io.aligntune.spark.tables;

import io.aligntune.train.loop.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code train_metrics}: one row per (step, metric) — long format, so DPO (TRL's names such as
 * {@code rewards/margins}) and SFT metrics share one table and a query picks metrics by name.
 */
public final class TrainMetricsTable {

  public static final StructType SCHEMA = new StructType()
      .add("step", DataTypes.LongType, false)
      .add("total_steps", DataTypes.LongType, false)
      .add("metric", DataTypes.StringType, false)
      .add("value", DataTypes.DoubleType, false)
      .add("step_seconds", DataTypes.DoubleType, false);

  private TrainMetricsTable() {}

  public static Dataset<Row> rows(SparkSession spark, List<StepRecord> records) {
    List<Row> rows = new ArrayList<>();
    for (StepRecord r : records) {
      for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
        rows.add(RowFactory.create(r.step(), r.totalSteps(), m.getKey(), m.getValue(), r.seconds()));
      }
    }
    return spark.createDataFrame(rows, SCHEMA);
  }
}
