package io.aligntune.core.data.tokenize;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A preference pair as token ids, ready for DPO: the two trained sequences are
 * {@code promptIds + chosenIds} and {@code promptIds + rejectedIds}, so the prompt ids are identical for both
 * by construction (the implicit reward compares completions under the same context).
 *
 * @param promptIds BOS then the prompt tokens; at least BOS
 * @param chosenIds the chosen completion's tokens, ending with EOS (see {@link TruncationPolicy} for cut ones)
 * @param rejectedIds the rejected completion's tokens, likewise
 */
public record TokenizedPair(int[] promptIds, int[] chosenIds, int[] rejectedIds) implements Serializable {

  public TokenizedPair {
    promptIds = promptIds.clone();
    chosenIds = chosenIds.clone();
    rejectedIds = rejectedIds.clone();
    if (promptIds.length < 1) {
      throw new IllegalArgumentException("promptIds must hold at least BOS");
    }
    if (chosenIds.length < 1 || rejectedIds.length < 1) {
      throw new IllegalArgumentException("chosen and rejected completions need at least one token");
    }
  }

  @Override
  public int[] promptIds() {
    return promptIds.clone();
  }

  @Override
  public int[] chosenIds() {
    return chosenIds.clone();
  }

  @Override
  public int[] rejectedIds() {
    return rejectedIds.clone();
  }

  /** BOS plus prompt tokens: where both completions start. */
  public int promptLength() {
    return promptIds.length;
  }

  public CompletionSequence chosen() {
    return new CompletionSequence(concat(promptIds, chosenIds), promptIds.length);
  }

  public CompletionSequence rejected() {
    return new CompletionSequence(concat(promptIds, rejectedIds), promptIds.length);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] joined = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    return joined;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenizedPair p
        && Arrays.equals(promptIds, p.promptIds)
        && Arrays.equals(chosenIds, p.chosenIds)
        && Arrays.equals(rejectedIds, p.rejectedIds);
  }

  @Override
  public int hashCode() {
    return (Arrays.hashCode(promptIds) * 31 + Arrays.hashCode(chosenIds)) * 31 + Arrays.hashCode(rejectedIds);
  }

  @Override
  public String toString() {
    return "TokenizedPair{prompt=" + Arrays.toString(promptIds) + ", chosen=" + Arrays.toString(chosenIds)
        + ", rejected=" + Arrays.toString(rejectedIds) + "}";
  }
}
