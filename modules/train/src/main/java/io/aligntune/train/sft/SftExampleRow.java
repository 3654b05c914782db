package io.aligntune.train.sft;

import io.aligntune.core.data.tokenize.TokenizedSequence;
import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * One tokenized SFT example as it crosses Spark boundaries: its position in the dataset (what the batch
 * plan selects by), the token ids and the label mask. {@code supervised[t]} means the loss includes
 * predicting {@code ids[t]} from {@code ids[<t]}; the mask is explicit and never derived from pad ids,
 * because pad often equals EOS and the EOS closing a completion is trained on.
 *
 * <p>Unlike core's {@link TokenizedSequence}, a row may have no supervised token at all (a completion
 * truncated away upstream). The trainer gives such a row weight 0, it adds no tokens and no loss, rather
 * than letting it turn a mean into 0/0.
 *
 * <p>A packed row ({@link #packed}) holds several examples end to end, told apart by {@code segments}: the
 * model then lets each token attend only within its own segment, restarts rotary positions at each
 * segment's first token, and no segment's first token is ever a target (nothing of its own example
 * precedes it), so the row trains exactly as its examples would one by one.
 *
 * @param index position in the tokenized dataset (or in the packed rows), 0-based
 * @param ids token ids, BOS at 0; at least 1
 * @param supervised one flag per id; false at 0 (nothing predicts BOS) and at every segment start
 * @param segments null for a single example; else one id per token, 1 for the first example and each
 *     next example's run one higher (contiguous runs 1, 1, ..., 2, 2, ..., k)
 */
public record SftExampleRow(int index, int[] ids, boolean[] supervised, int[] segments) implements Serializable {

  @Serial private static final long serialVersionUID = 2L;

  /** A single, unpacked example. */
  public SftExampleRow(int index, int[] ids, boolean[] supervised) {
    this(index, ids, supervised, null);
  }

  public SftExampleRow {
    if (index < 0) {
      throw new IllegalArgumentException("example index must be >= 0, got " + index);
    }
    if (ids.length == 0) {
      throw new IllegalArgumentException("example " + index + ": no token ids");
    }
    if (ids.length != supervised.length) {
      throw new IllegalArgumentException("example " + index + ": " + ids.length + " ids but " + supervised.length
          + " supervised flags");
    }
    if (supervised[0]) {
      throw new IllegalArgumentException("example " + index + ": position 0 (BOS) cannot be supervised; no token"
          + " precedes it");
    }
    ids = ids.clone();
    supervised = supervised.clone();
    if (segments != null) {
      segments = segments.clone();
      checkSegments(index, segments, supervised);
    }
  }

  private static void checkSegments(int index, int[] segments, boolean[] supervised) {
    if (segments.length != supervised.length) {
      throw new IllegalArgumentException("example " + index + ": " + supervised.length + " ids but " + segments.length
          + " segment ids");
    }
    for (int t = 0; t < segments.length; t++) {
      int expectedFrom = t == 0 ? 1 : segments[t - 1];
      if (segments[t] != expectedFrom && !(t > 0 && segments[t] == expectedFrom + 1)) {
        throw new IllegalArgumentException("packed row " + index + ": segment ids must run 1, 1, ..., 2, 2, ...;"
            + " position " + t + " has " + segments[t] + " after " + (t == 0 ? "the start" : segments[t - 1]));
      }
      if (t > 0 && segments[t] != segments[t - 1] && supervised[t]) {
        throw new IllegalArgumentException("packed row " + index + ": position " + t + " starts segment " + segments[t]
            + " and cannot be supervised; no token of its own example precedes it");
      }
    }
  }

  /**
   * One row holding {@code parts} end to end, in the given order, as segments 1..k.
   *
   * @param index the packed row's index (what the batch plan selects by)
   * @param parts single examples (not themselves packed)
   */
  public static SftExampleRow packed(int index, List<SftExampleRow> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("packed row " + index + ": no examples");
    }
    int length = 0;
    for (SftExampleRow part : parts) {
      if (part.segments != null) {
        throw new IllegalArgumentException("packed row " + index + ": example " + part.index + " is already packed");
      }
      length += part.ids.length;
    }
    int[] ids = new int[length];
    boolean[] supervised = new boolean[length];
    int[] segments = new int[length];
    int at = 0;
    for (int k = 0; k < parts.size(); k++) {
      SftExampleRow part = parts.get(k);
      System.arraycopy(part.ids, 0, ids, at, part.ids.length);
      System.arraycopy(part.supervised, 0, supervised, at, part.ids.length);
      Arrays.fill(segments, at, at + part.ids.length, k + 1);
      at += part.ids.length;
    }
    return new SftExampleRow(index, ids, supervised, segments);
  }

  /** The row of a tokenized sequence. */
  public static SftExampleRow of(int index, TokenizedSequence sequence) {
    return new SftExampleRow(index, sequence.ids(), sequence.supervised());
  }

  /** A plain-text row (continued pre-training): every token after BOS is supervised. */
  public static SftExampleRow allSupervised(int index, int[] ids) {
    boolean[] supervised = new boolean[ids.length];
    Arrays.fill(supervised, 1, ids.length, true);
    return new SftExampleRow(index, ids, supervised);
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
  public int[] segments() {
    return segments == null ? null : segments.clone();
  }

  /** Whether this row holds packed examples (with segment ids) rather than one example. */
  public boolean isPacked() {
    return segments != null;
  }

  /** Examples in this row: 1 unless packed. */
  public int exampleCount() {
    return segments == null ? 1 : segments[segments.length - 1];
  }

  public int length() {
    return ids.length;
  }

  /** Tokens the loss is taken over: this example's weight in a token-averaged step. */
  public int supervisedCount() {
    int count = 0;
    for (boolean s : supervised) {
      if (s) {
        count++;
      }
    }
    return count;
  }

  // Package-private, uncopied views for building micro-batches.
  int idAt(int position) {
    return ids[position];
  }

  boolean supervisedAt(int position) {
    return supervised[position];
  }

  /** The segment id of a position: 1 throughout an unpacked row. */
  int segmentAt(int position) {
    return segments == null ? 1 : segments[position];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SftExampleRow r && index == r.index && Arrays.equals(ids, r.ids)
        && Arrays.equals(supervised, r.supervised) && Arrays.equals(segments, r.segments);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * index + Arrays.hashCode(ids)) + Arrays.hashCode(supervised)) + Arrays.hashCode(segments);
  }

  @Override
  public String toString() {
    return "SftExampleRow{index=" + index + ", ids=" + Arrays.toString(ids) + ", supervised="
        + Arrays.toString(supervised) + (segments == null ? "" : ", segments=" + Arrays.toString(segments)) + "}";
  }
}
