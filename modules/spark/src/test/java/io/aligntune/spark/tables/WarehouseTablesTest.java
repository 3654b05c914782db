package io.aligntune.spark.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aligntune.spark.data.RejectsTable;
import io.aligntune.spark.testing.LocalClusterSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Partition replacement of the warehouse tables, with real Parquet on the local file system. */
class WarehouseTablesTest {

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static Dataset<Row> rejects(int n, String reason) {
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create("file:/data/pairs.jsonl", (long) i + 1, "chosen", reason, "detail " + i, "parsing"));
    }
    return spark.createDataFrame(rows, RejectsTable.SCHEMA);
  }

  long count(String warehouse, String where) {
    return spark.read().parquet(WarehouseTables.location(warehouse, WarehouseTables.REJECTS)).where(where).count();
  }

  @Test
  void aTableWithNoRowsReadsBackWithItsColumns(@TempDir Path dir) {
    String warehouse = dir.toString();
    WarehouseTables.write(rejects(0, "x"), warehouse, WarehouseTables.REJECTS, "2026-12-01", "align", "run a");
    Dataset<Row> table = spark.read().parquet(WarehouseTables.location(warehouse, WarehouseTables.REJECTS));
    assertEquals(0, table.count());
    assertEquals(List.of("source_file", "line", "field", "reason", "detail", "stage", "run_date", "phase", "run_id"),
        List.of(table.columns()));
    assertEquals(0, table.where("run_id = 'run a' AND reason = 'empty_field'").count());
  }

  @Test
  void reRunningARunReplacesItsRowsEvenWithNoneLeft(@TempDir Path dir) {
    String warehouse = dir.toString();
    WarehouseTables.write(rejects(3, "empty_field"), warehouse, WarehouseTables.REJECTS, "2026-12-01", "align", "r1");
    WarehouseTables.write(rejects(2, "malformed_json"), warehouse, WarehouseTables.REJECTS, "2026-12-01", "align", "r2");
    assertEquals(3, count(warehouse, "run_id = 'r1'"));

    // the same run again with fewer rejects: replaced, not appended
    WarehouseTables.write(rejects(1, "empty_field"), warehouse, WarehouseTables.REJECTS, "2026-12-01", "align", "r1");
    assertEquals(1, count(warehouse, "run_id = 'r1'"));
    // and with none: the earlier attempt's rows must not survive
    WarehouseTables.write(rejects(0, "empty_field"), warehouse, WarehouseTables.REJECTS, "2026-12-01", "align", "r1");
    assertEquals(0, count(warehouse, "run_id = 'r1'"));
    // other runs untouched throughout
    assertEquals(2, count(warehouse, "run_id = 'r2' AND reason = 'malformed_json'"));
    // and the empty run can be written again after rows return
    WarehouseTables.write(rejects(4, "empty_field"), warehouse, WarehouseTables.REJECTS, "2026-12-01", "align", "r1");
    assertEquals(4, count(warehouse, "run_id = 'r1'"));
    assertEquals(6, spark.read().parquet(WarehouseTables.location(warehouse, WarehouseTables.REJECTS)).count());
  }
}
