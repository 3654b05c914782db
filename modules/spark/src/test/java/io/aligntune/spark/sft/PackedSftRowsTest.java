package io.aligntune.spark.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.tokenize.PackingPlan;
import io.aligntune.core.data.tokenize.SequencePacker;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.sft.SftExampleRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link PackedSftRows} on local[2]: the rows the plan says, whatever the input partitioning. */
class PackedSftRowsTest {

  static SparkSession spark;
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static List<SftExampleRow> packedRows(List<SftExampleRow> examples, int inputPartitions, int rowLength) {
    // shuffled input order across partitions: the plan goes by example index, not by arrival
    List<SftExampleRow> shuffled = new ArrayList<>(examples);
    java.util.Collections.shuffle(shuffled, new java.util.Random(inputPartitions));
    PackedSftRows packed = PackedSftRows.pack(jsc, jsc.parallelize(shuffled, inputPartitions), rowLength, 3);
    try {
      List<SftExampleRow> rows = new ArrayList<>(packed.rows().collect());
      rows.sort(Comparator.comparingInt(SftExampleRow::index));
      assertEquals(packed.plan().rowCount(), rows.size());
      return rows;
    } finally {
      packed.release();
    }
  }

  @Test
  void rowsFollowThePlanAndDoNotDependOnPartitioning() {
    List<SftExampleRow> examples = TinySftRows.rows(40, 9, 0);
    int rowLength = 24;
    List<SftExampleRow> one = packedRows(examples, 1, rowLength);
    List<SftExampleRow> five = packedRows(examples, 5, rowLength);
    assertEquals(one, five);

    PackingPlan plan = SequencePacker.plan(examples.stream().mapToInt(SftExampleRow::length).toArray(), rowLength);
    assertTrue(plan.rowCount() < examples.size() / 2, plan.summary());
    for (int r = 0; r < one.size(); r++) {
      SftExampleRow row = one.get(r);
      assertEquals(r, row.index(), "packed rows are indexed densely in plan order");
      assertTrue(row.length() <= rowLength);
      List<SftExampleRow> parts = new ArrayList<>();
      for (int e : plan.row(r)) {
        parts.add(examples.get(e));
      }
      assertEquals(SftExampleRow.packed(r, parts), row, "row " + r + " holds the plan's examples in order");
    }
  }

  @Test
  void sparseIndicesAreRefused() {
    List<SftExampleRow> examples = List.of(TinySftRows.rows(3, 1, 0).get(0),
        new SftExampleRow(5, new int[] {1, 4, 2}, new boolean[] {false, true, true}));
    assertThrows(IllegalArgumentException.class, () -> PackedSftRows.pack(jsc, jsc.parallelize(examples, 1), 32, 1));
  }
}
