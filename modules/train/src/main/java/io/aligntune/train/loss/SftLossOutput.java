package io.aligntune.train.loss;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * The supervised fine-tuning loss of one micro-batch, as a sum and a count rather than a mean.
 *
 * <p>The driver divides the global NLL sum by the global supervised-token count. Averaging per micro-batch
 * first and then averaging the averages would weigh a short batch's tokens more than a long one's: 2
 * tokens at loss 1.0 and 8 at 0.5 give 6/10 = 0.6 per token, not (1.0 + 0.5)/2 = 0.75.
 *
 * @param nllSum scalar float32: Σ over supervised tokens of −log p(label); differentiable; owned by the
 *     manager of the logits (or log-probs) it came from
 * @param supervisedTokenCount number of tokens whose label mask is set
 */
public record SftLossOutput(NDArray nllSum, long supervisedTokenCount) {

  /** The key under which the NLL sum enters a step's metric sums (TRL logs it as {@code loss}). */
  public static final String LOSS_SUM_KEY = "loss";

  public SftLossOutput {
    if (supervisedTokenCount < 0) {
      throw new IllegalArgumentException("supervisedTokenCount = " + supervisedTokenCount + " < 0");
    }
  }

  /** The metric sums this micro-batch adds to its partition's accumulator. */
  public Map<String, Double> metricSums() {
    return Map.of(LOSS_SUM_KEY, (double) nllSum.getFloat());
  }
}
