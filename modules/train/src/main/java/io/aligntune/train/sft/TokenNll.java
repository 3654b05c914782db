package io.aligntune.train.sft;

import java.io.Serial;
import java.io.Serializable;

/**
 * A summed negative log-likelihood and the number of tokens it was summed over: what evaluation partitions
 * return and add up, dividing once at the end so every token weighs the same however the set was split.
 *
 * @param nllSum Σ −log p(token) over the scored tokens, nats; finite and ≥ 0
 * @param tokens scored (supervised) tokens
 */
public record TokenNll(double nllSum, long tokens) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  public static final TokenNll ZERO = new TokenNll(0, 0);

  public TokenNll {
    if (!(nllSum >= 0) || Double.isInfinite(nllSum)) {
      throw new IllegalArgumentException("nllSum = " + nllSum + " is invalid; a summed NLL is finite and >= 0");
    }
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens = " + tokens + " < 0");
    }
  }

  public TokenNll plus(TokenNll other) {
    return new TokenNll(nllSum + other.nllSum, Math.addExact(tokens, other.tokens));
  }

  /**
   * The mean NLL per token.
   *
   * @throws IllegalStateException when no token was scored: a mean over nothing is undefined, not 0
   */
  public double mean() {
    if (tokens == 0) {
      throw new IllegalStateException("no supervised token was scored: the evaluation set is empty or every"
          + " example's completion was truncated away, so there is no loss to report");
    }
    return nllSum / tokens;
  }
}
