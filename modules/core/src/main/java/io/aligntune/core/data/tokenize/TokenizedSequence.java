package io.aligntune.core.data.tokenize;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A tokenized SFT example with its label mask. {@code supervised[t]} means the loss includes predicting
 * {@code ids[t]} from {@code ids[0..t)}. The mask is explicit and never derived from pad ids: pad often
 * equals EOS, and the EOS closing a completion must be trained on.
 *
 * @param ids token ids, BOS at 0; at least 2
 * @param supervised one flag per id; false at 0 (nothing predicts BOS), true somewhere
 */
public record TokenizedSequence(int[] ids, boolean[] supervised) implements Serializable {

  public TokenizedSequence {
    ids = ids.clone();
    supervised = supervised.clone();
    if (ids.length != supervised.length) {
      throw new IllegalArgumentException(ids.length + " ids but " + supervised.length + " supervised flags");
    }
    if (ids.length < 2) {
      throw new IllegalArgumentException("a training sequence needs BOS and at least one token, got " + ids.length);
    }
    if (supervised[0]) {
      throw new IllegalArgumentException("position 0 (BOS) cannot be supervised: no token precedes it");
    }
    if (supervisedCount(supervised) == 0) {
      throw new IllegalArgumentException("a training sequence needs at least one supervised token");
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

  public int length() {
    return ids.length;
  }

  public int id(int position) {
    return ids[position];
  }

  public boolean isSupervised(int position) {
    return supervised[position];
  }

  /** Positions whose token is trained on: the example's weight in a token-averaged loss. */
  public int supervisedCount() {
    return supervisedCount(supervised);
  }

  private static int supervisedCount(boolean[] supervised) {
    int count = 0;
    for (boolean s : supervised) {
      if (s) {
        count++;
      }
    }
    return count;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenizedSequence s && Arrays.equals(ids, s.ids) && Arrays.equals(supervised, s.supervised);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + Arrays.hashCode(supervised);
  }

  @Override
  public String toString() {
    return "TokenizedSequence{ids=" + Arrays.toString(ids) + ", supervised=" + Arrays.toString(supervised) + "}";
  }
}
