package io.aligntune.spark.eval;

import io.aligntune.eval.metrics.Perplexity;
import java.io.Serial;
import java.io.Serializable;

/**
 * Perplexity of held-out text, from sums that add across partitions (each token weighs the same however the
 * documents were spread).
 *
 * @param source the text file
 * @param documents documents scored
 * @param windows model passes (documents longer than the context take several)
 * @param tokens tokens scored: every token of every document after its BOS
 * @param nllSum Σ −ln p(token) over the scored tokens
 */
public record PerplexityResult(String source, long documents, long windows, long tokens, double nllSum)
    implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  /** Partition sums, added. */
  PerplexityResult plus(PerplexityResult other) {
    return new PerplexityResult(source, documents + other.documents, windows + other.windows, tokens + other.tokens,
        nllSum + other.nllSum);
  }

  /** Mean NLL per token, in nats. */
  public double meanNll() {
    return nllSum / tokens;
  }

  /** exp(mean NLL). */
  public double perplexity() {
    return Perplexity.fromNll(nllSum, tokens);
  }
}
