package io.aligntune.eval.metrics;

/**
 * Perplexity from a summed negative log-likelihood: exp(Σ NLL / tokens), the exponentiated mean
 * per-token cross-entropy in nats. Summing NLL and tokens separately across batches and partitions, then
 * dividing once, weighs every token equally however the text was split.
 */
public final class Perplexity {

  private Perplexity() {}

  /**
   * @param nllSum Σ −log p(token) over the scored tokens, natural log; finite and ≥ 0
   * @param tokenCount number of scored tokens, > 0
   * @throws IllegalArgumentException on zero tokens (perplexity of nothing is undefined) or a bad sum
   */
  public static double fromNll(double nllSum, long tokenCount) {
    if (tokenCount <= 0) {
      throw new IllegalArgumentException(
          "perplexity needs at least one scored token; got tokenCount = " + tokenCount);
    }
    if (!(nllSum >= 0) || Double.isInfinite(nllSum)) {
      throw new IllegalArgumentException(
          "nllSum = " + nllSum + " is invalid; a negative log-likelihood sum is finite and >= 0");
    }
    return Math.exp(nllSum / tokenCount);
  }
}
