package io.aligntune.core.data.tokenize;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Which examples share which packed row ({@link SequencePacker#plan}), and what packing bought.
 *
 * @param rowLength tokens per row (the training max_length)
 * @param rows per row, the indices of its examples (positions in the input), ascending
 * @param tokens real tokens over all examples (the sum of their lengths)
 */
public record PackingPlan(int rowLength, int[][] rows, long tokens) implements Serializable {

  public PackingPlan {
    rows = Arrays.stream(rows).map(int[]::clone).toArray(int[][]::new);
  }

  @Override
  public int[][] rows() {
    return Arrays.stream(rows).map(int[]::clone).toArray(int[][]::new);
  }

  public int[] row(int r) {
    return rows[r].clone();
  }

  public int rowCount() {
    return rows.length;
  }

  public long exampleCount() {
    long n = 0;
    for (int[] row : rows) {
      n += row.length;
    }
    return n;
  }

  /** For each example (by input index), the row it went into. */
  public int[] rowOf() {
    int[] rowOf = new int[Math.toIntExact(exampleCount())];
    for (int r = 0; r < rows.length; r++) {
      for (int e : rows[r]) {
        rowOf[e] = r;
      }
    }
    return rowOf;
  }

  /** Real tokens / (rows × row length): the share of the trained positions that are not padding. */
  public double efficiency() {
    return rows.length == 0 ? 0 : (double) tokens / ((double) rows.length * rowLength);
  }

  /** The same share without packing (one row of {@code rowLength} per example), for comparison. */
  public double unpackedEfficiency() {
    long examples = exampleCount();
    return examples == 0 ? 0 : (double) tokens / ((double) examples * rowLength);
  }

  /** One line for logs and run summaries. */
  public String summary() {
    return String.format(java.util.Locale.ROOT,
        "packing: %d examples in, %d rows of %d out, %d real tokens, efficiency %.3f (unpacked %.3f)",
        exampleCount(), rowCount(), rowLength, tokens, efficiency(), unpackedEfficiency());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackingPlan p && rowLength == p.rowLength && tokens == p.tokens
        && Arrays.deepEquals(rows, p.rows);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(rows) * 31 + rowLength;
  }

  @Override
  public String toString() {
    return "PackingPlan{" + summary() + "}";
  }
}
