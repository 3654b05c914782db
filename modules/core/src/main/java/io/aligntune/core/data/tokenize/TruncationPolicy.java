package io.aligntune.core.data.tokenize;

import java.io.Serializable;

/**
 * How over-long examples are cut to fit a training sequence. A sequence is {@code [BOS] prompt completion
 * [EOS]} (for SFT: context and supervised turns, an EOS after each supervised turn). When it is longer than
 * {@code maxLength}:
 * <ol>
 *   <li>the prompt keeps its <em>end</em>, at most {@code maxPromptLength} tokens: the latest context (the
 *       question right before the answer) matters most, the start of a long document least;
 *   <li>then the completion keeps its <em>start</em>, as much as fits: an answer's beginning is what the
 *       model is asked to produce first.
 * </ol>
 * Pairs are cut together: the prompt is cut if either sequence is too long, by the same amount for both,
 * so chosen and rejected keep identical prompt ids; each completion is then cut to the same budget.
 * If no completion token is left the example is rejected ({@code no_completion_tokens}).
 *
 * <p>EOS after a cut completion ({@code eosWhenCut}). TRL drops it: the text did not end there, and an EOS
 * teaches the model to stop. The default here keeps it (the last kept completion token gives way to EOS,
 * so the length still fits), because every trained sequence then has one shape, ending each supervised
 * turn with EOS, which the reference log-prob job, the loss masks and the pair statistics rely on without
 * special cases; and in DPO the EOS term appears on both sides of a cut pair, where the reference model
 * scores the same position, so a cut chosen side is not compared against an uncut rejected side that alone
 * carries an EOS term. The cost is a weak "stop here" signal on truncated examples, which matters most for
 * SFT on data that is often truncated; set {@code eosWhenCut=false} there to get TRL's behaviour.
 *
 * @param maxLength most tokens in a sequence, BOS and EOS included; at least 3 (BOS, one token, EOS)
 * @param maxPromptLength most prompt tokens kept when a sequence is too long, BOS not counted; from 1 to
 *     {@code maxLength - 1}. Values above {@code maxLength - 3} leave no room for a completion after a prompt
 *     cut to this length, so such examples are rejected rather than trained on a prompt alone
 * @param eosWhenCut whether a completion cut short still ends with EOS (see above)
 */
public record TruncationPolicy(int maxLength, int maxPromptLength, boolean eosWhenCut) implements Serializable {

  public TruncationPolicy {
    if (maxLength < 3) {
      throw new IllegalArgumentException(
          "max_length must be at least 3 (BOS, one completion token, EOS), got " + maxLength);
    }
    if (maxPromptLength < 1 || maxPromptLength >= maxLength) {
      throw new IllegalArgumentException("max_prompt_length must be between 1 and max_length - 1 = "
          + (maxLength - 1) + ", got " + maxPromptLength);
    }
  }

  /** With EOS kept after a cut completion, the default (see the class comment for why). */
  public TruncationPolicy(int maxLength, int maxPromptLength) {
    this(maxLength, maxPromptLength, true);
  }

  /**
   * How many prompt tokens (BOS not counted) to keep, given the prompt's length and the length of the
   * longest tail that follows it (completion tokens, EOS included).
   */
  int promptTokensToKeep(int promptTokens, int longestTail) {
    if (1 + promptTokens + longestTail <= maxLength) {
      return promptTokens;
    }
    return Math.min(promptTokens, maxPromptLength);
  }

  /** Tokens left for the tail after BOS and {@code keptPromptTokens}. */
  int tailBudget(int keptPromptTokens) {
    return maxLength - 1 - keptPromptTokens;
  }
}
