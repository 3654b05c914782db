package io.aligntune.train.dpo;

import java.io.Serializable;

/**
 * One tokenized preference pair, ready to train on: both sequences are [BOS] + prompt + completion + [EOS]
 * with identical prompt ids, and the reference model's summed completion log-probs, computed once before
 * training so that a step runs only the policy.
 *
 * @param index position in the tokenized dataset (the batch plan selects by it)
 * @param chosen token ids of the preferred sequence
 * @param rejected token ids of the dispreferred sequence
 * @param promptLength tokens before the completion, BOS included; completion log-probs start here
 * @param referenceChosen reference log p(chosen completion | prompt), float32 sum
 * @param referenceRejected reference log p(rejected completion | prompt)
 */
public record DpoExample(int index, int[] chosen, int[] rejected, int promptLength, float referenceChosen,
    float referenceRejected) implements Serializable {

  public DpoExample {
    if (promptLength < 1 || promptLength >= chosen.length || promptLength >= rejected.length) {
      throw new IllegalArgumentException("example " + index + ": prompt length " + promptLength
          + " leaves no completion token (chosen " + chosen.length + ", rejected " + rejected.length + " tokens)");
    }
  }

  public DpoExample withReference(float chosenLogp, float rejectedLogp) {
    return new DpoExample(index, chosen, rejected, promptLength, chosenLogp, rejectedLogp);
  }

  /** Tokens of both sequences: what one pair contributes to num_tokens (TRL counts every input token). */
  public int totalTokens() {
    return chosen.length + rejected.length;
  }

  /** Completion tokens (EOS included) of both sequences. */
  public int completionTokens() {
    return chosen.length + rejected.length - 2 * promptLength;
  }
}
