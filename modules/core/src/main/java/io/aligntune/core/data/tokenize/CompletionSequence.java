package io.aligntune.core.data.tokenize;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One trained sequence {@code [BOS] prompt completion [EOS]} with the position where the completion starts.
 * Positions {@code >= promptLength} are the completion, whose log-probabilities DPO sums.
 *
 * @param sequence token ids, BOS at 0
 * @param promptLength BOS plus prompt tokens; at least 1 and less than the sequence length
 */
public record CompletionSequence(int[] sequence, int promptLength) implements Serializable {

  public CompletionSequence {
    sequence = sequence.clone();
    if (promptLength < 1 || promptLength >= sequence.length) {
      throw new IllegalArgumentException("promptLength must be in [1, " + sequence.length + "), got " + promptLength);
    }
  }

  @Override
  public int[] sequence() {
    return sequence.clone();
  }

  public int length() {
    return sequence.length;
  }

  /** Completion tokens, EOS included. */
  public int completionLength() {
    return sequence.length - promptLength;
  }

  /** The same sequence with its label mask: completion positions supervised, BOS and prompt not. */
  public TokenizedSequence asTokenizedSequence() {
    boolean[] supervised = new boolean[sequence.length];
    Arrays.fill(supervised, promptLength, sequence.length, true);
    return new TokenizedSequence(sequence, supervised);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CompletionSequence s && promptLength == s.promptLength && Arrays.equals(sequence, s.sequence);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(sequence) + promptLength;
  }

  @Override
  public String toString() {
    return "CompletionSequence{promptLength=" + promptLength + ", sequence=" + Arrays.toString(sequence) + "}";
  }
}
