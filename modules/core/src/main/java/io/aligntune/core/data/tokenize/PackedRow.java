package io.aligntune.core.data.tokenize;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One row of packed training data: several whole examples laid end to end, then padding to the row length.
 *
 * <p>Examples in a row must not see each other: the model has to build its attention mask from
 * {@code segmentIds} (position {@code i} may attend to {@code j} only if {@code j <= i} and
 * {@code segmentIds[i] == segmentIds[j] != 0}) and take rotary positions from {@code positionIds}, which
 * restart at 0 with each example, so that a packed example gets exactly the logits it would get alone. The
 * label mask needs no change: each example starts with its own unsupervised BOS, so no example is trained
 * to predict the start of the next.
 *
 * @param ids token ids; padding positions hold the pad id
 * @param supervised label mask (see {@link TokenizedSequence}); false on padding
 * @param segmentIds 1, 2, ... for the examples in order; 0 on padding
 * @param positionIds position of each token within its own example; 0 on padding
 * @param exampleStarts offset of each example's first token (its BOS)
 * @param usedLength tokens before the padding
 */
public record PackedRow(int[] ids, boolean[] supervised, int[] segmentIds, int[] positionIds, int[] exampleStarts,
    int usedLength) implements Serializable {

  public PackedRow {
    ids = ids.clone();
    supervised = supervised.clone();
    segmentIds = segmentIds.clone();
    positionIds = positionIds.clone();
    exampleStarts = exampleStarts.clone();
    int n = ids.length;
    if (supervised.length != n || segmentIds.length != n || positionIds.length != n) {
      throw new IllegalArgumentException("ids, supervised, segmentIds and positionIds must have one length");
    }
    if (usedLength < 0 || usedLength > n) {
      throw new IllegalArgumentException("usedLength " + usedLength + " outside [0, " + n + "]");
    }
  }

  @Override
  public int[] ids() {
    return ids.clone();
  }

  @Override
  public boolean[] supervised() {
    return supervised.clone();
  }

  @Override
  public int[] segmentIds() {
    return segmentIds.clone();
  }

  @Override
  public int[] positionIds() {
    return positionIds.clone();
  }

  @Override
  public int[] exampleStarts() {
    return exampleStarts.clone();
  }

  public int exampleCount() {
    return exampleStarts.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedRow r
        && usedLength == r.usedLength
        && Arrays.equals(ids, r.ids)
        && Arrays.equals(supervised, r.supervised)
        && Arrays.equals(segmentIds, r.segmentIds)
        && Arrays.equals(positionIds, r.positionIds)
        && Arrays.equals(exampleStarts, r.exampleStarts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids) * 31 + Arrays.hashCode(segmentIds);
  }

  @Override
  public String toString() {
    return "PackedRow{examples=" + exampleStarts.length + ", used=" + usedLength + "/" + ids.length
        + ", ids=" + Arrays.toString(ids) + ", segmentIds=" + Arrays.toString(segmentIds) + "}";
  }
}
