package io.aligntune.spark.sft;

import io.aligntune.core.data.tokenize.PackingPlan;
import io.aligntune.core.data.tokenize.SequencePacker;
import io.aligntune.train.sft.SftExampleRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * The training split packed into rows of at most {@code max_length} tokens ({@code finetune.packing}):
 * the driver collects one length per example (4 bytes each, so millions of examples fit), plans the rows
 * with {@link SequencePacker#plan} (first-fit in example order, independent of partitioning), broadcasts
 * each example's row number, and the executors assemble the rows with {@link SftExampleRow#packed}.
 * Packed rows are indexed 0..R−1 in plan order, which is what the batch plan then selects by.
 */
public final class PackedSftRows {

  private final JavaRDD<SftExampleRow> rows;
  private final PackingPlan plan;
  private final Broadcast<int[]> rowOf;

  private PackedSftRows(JavaRDD<SftExampleRow> rows, PackingPlan plan, Broadcast<int[]> rowOf) {
    this.rows = rows;
    this.plan = plan;
    this.rowOf = rowOf;
  }

  /**
   * @param examples single examples indexed densely 0..n−1, each at most {@code rowLength} tokens
   * @param rowLength tokens per packed row (the training max_length)
   * @param partitions partitions of the packed rows
   */
  public static PackedSftRows pack(JavaSparkContext spark, JavaRDD<SftExampleRow> examples, int rowLength,
      int partitions) {
    List<int[]> indexedLengths = examples.map(e -> new int[] {e.index(), e.length()}).collect();
    int[] lengths = new int[indexedLengths.size()];
    boolean[] seen = new boolean[lengths.length];
    for (int[] il : indexedLengths) {
      if (il[0] < 0 || il[0] >= lengths.length || seen[il[0]]) {
        throw new IllegalArgumentException("packing needs examples indexed 0.." + (lengths.length - 1)
            + " once each; found index " + il[0]);
      }
      seen[il[0]] = true;
      lengths[il[0]] = il[1];
    }
    PackingPlan plan = SequencePacker.plan(lengths, rowLength);
    Broadcast<int[]> rowOf = spark.broadcast(plan.rowOf());
    JavaRDD<SftExampleRow> rows = examples.mapToPair(e -> new Tuple2<>(rowOf.value()[e.index()], e))
        .groupByKey(partitions)
        .map(group -> {
          List<SftExampleRow> parts = new ArrayList<>();
          group._2().forEach(parts::add);
          parts.sort(Comparator.comparingInt(SftExampleRow::index));
          return SftExampleRow.packed(group._1(), parts);
        });
    return new PackedSftRows(rows, plan, rowOf);
  }

  /** The packed rows (not cached: persist them before training). */
  public JavaRDD<SftExampleRow> rows() {
    return rows;
  }

  /** Which examples went into which row, with the counts and efficiency to report. */
  public PackingPlan plan() {
    return plan;
  }

  /** Frees the broadcast row numbers; call once the rows are no longer needed (they cannot be recomputed). */
  public void release() {
    rowOf.destroy();
  }
}
