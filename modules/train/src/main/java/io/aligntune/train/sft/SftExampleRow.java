package io.aligntune.train.sft;

import io.aligntune.core.data.tokenize.TokenizedSequence;
import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;

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
 * @param index position in the tokenized dataset, 0-based
 * @param ids token ids, BOS at 0; at least 1
 * @param supervised one flag per id; false at 0 (nothing predicts BOS)
 */
public record SftExampleRow(int index, int[] ids, boolean[] supervised) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

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

  @Override
  public boolean equals(Object o) {
    return o instanceof SftExampleRow r && index == r.index && Arrays.equals(ids, r.ids)
        && Arrays.equals(supervised, r.supervised);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * index + Arrays.hashCode(ids)) + Arrays.hashCode(supervised);
  }

  @Override
  public String toString() {
    return "SftExampleRow{index=" + index + ", ids=" + Arrays.toString(ids) + ", supervised="
        + Arrays.toString(supervised) + "}";
  }
}
