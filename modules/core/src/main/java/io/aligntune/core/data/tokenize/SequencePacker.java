package io.aligntune.core.data.tokenize;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs tokenized SFT examples into rows of at most {@code rowLength} tokens, so that short examples do
 * not waste a whole padded row each (see {@link PackedRow} for how the model must keep packed examples
 * apart).
 *
 * <p>The rule is greedy first-fit in example order: each example, taken in input order, goes into the
 * earliest row that still has room for all of it, else opens a new row. Examples are never split (a split
 * example would lose either its BOS or its context) and never reordered within a row; rows are numbered
 * by their first example. The plan depends only on the example lengths and their order, so the same data
 * packs the same way on every run and any partitioning. First-fit leaves fewer half-empty rows than
 * next-fit (which only ever tries the last row) at the cost of looking back: a max-tree over the rows'
 * free space finds the earliest fitting row in O(log n).
 */
public final class SequencePacker implements Serializable {

  private final int rowLength;
  private final int padId;

  /**
   * @param rowLength tokens per row; examples longer than this are refused (tokenize with a
   *     {@link TruncationPolicy} whose max_length is at most this)
   * @param padId id written on padding positions (masked everywhere, so any valid id works)
   */
  public SequencePacker(int rowLength, int padId) {
    checkRowLength(rowLength);
    this.rowLength = rowLength;
    this.padId = padId;
  }

  /**
   * The first-fit plan for examples of the given lengths, in this order.
   *
   * @throws IllegalArgumentException if an example is empty or longer than {@code rowLength}
   */
  public static PackingPlan plan(int[] lengths, int rowLength) {
    checkRowLength(rowLength);
    int n = lengths.length;
    int leaves = 1;
    while (leaves < Math.max(1, n)) {
      leaves <<= 1;
    }
    // free[leaves + r] = room left in row r; rows not yet opened are empty, so the earliest row with room
    // is either an open one or the next to open. Inner nodes hold the max of their children.
    int[] free = new int[2 * leaves];
    Arrays.fill(free, leaves, 2 * leaves, rowLength);
    for (int node = leaves - 1; node >= 1; node--) {
      free[node] = rowLength;
    }
    List<List<Integer>> rows = new ArrayList<>();
    long tokens = 0;
    for (int e = 0; e < n; e++) {
      int length = lengths[e];
      if (length <= 0 || length > rowLength) {
        throw new IllegalArgumentException("example " + e + " has " + length + " tokens; a row holds 1 to " + rowLength
            + " (truncate with max_length <= the row length before packing)");
      }
      int node = 1;
      while (node < leaves) {
        node = free[2 * node] >= length ? 2 * node : 2 * node + 1;
      }
      int row = node - leaves;
      if (row == rows.size()) {
        rows.add(new ArrayList<>());
      }
      rows.get(row).add(e);
      tokens += length;
      free[node] -= length;
      for (node >>= 1; node >= 1; node >>= 1) {
        free[node] = Math.max(free[2 * node], free[2 * node + 1]);
      }
    }
    int[][] members = rows.stream().map(r -> r.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    return new PackingPlan(rowLength, members, tokens);
  }

  /** Packs whole examples by {@link #plan}; rows in plan order, each padded to the row length. */
  public List<PackedRow> pack(List<TokenizedSequence> examples) {
    int[] lengths = examples.stream().mapToInt(TokenizedSequence::length).toArray();
    PackingPlan plan = plan(lengths, rowLength);
    List<PackedRow> rows = new ArrayList<>(plan.rowCount());
    for (int r = 0; r < plan.rowCount(); r++) {
      RowBuilder row = new RowBuilder();
      for (int e : plan.row(r)) {
        row.add(examples.get(e));
      }
      rows.add(row.build());
    }
    return rows;
  }

  private static void checkRowLength(int rowLength) {
    if (rowLength < 2) {
      throw new IllegalArgumentException("row_length must be at least 2, got " + rowLength);
    }
  }

  private final class RowBuilder {
    private final int[] ids = new int[rowLength];
    private final boolean[] supervised = new boolean[rowLength];
    private final int[] segmentIds = new int[rowLength];
    private final int[] positionIds = new int[rowLength];
    private final List<Integer> starts = new ArrayList<>();
    private int used;

    RowBuilder() {
      Arrays.fill(ids, padId);
    }

    void add(TokenizedSequence example) {
      int segment = starts.size() + 1;
      starts.add(used);
      for (int t = 0; t < example.length(); t++) {
        ids[used + t] = example.id(t);
        supervised[used + t] = example.isSupervised(t);
        segmentIds[used + t] = segment;
        positionIds[used + t] = t;
      }
      used += example.length();
    }

    PackedRow build() {
      int[] exampleStarts = starts.stream().mapToInt(Integer::intValue).toArray();
      return new PackedRow(ids, supervised, segmentIds, positionIds, exampleStarts, used);
    }
  }
}
