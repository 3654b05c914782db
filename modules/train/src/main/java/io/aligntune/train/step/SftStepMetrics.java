package io.aligntune.train.step;

import io.aligntune.train.loss.SftLossOutput;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One SFT step's metrics under TRL's names. The loss is the global NLL sum divided by the global count of
 * supervised tokens: every token weighs the same whichever micro-batch or partition it fell in.
 *
 * @param loss mean negative log-likelihood per supervised token (nats)
 * @param gradNorm global L2 norm of the averaged gradient before clipping
 * @param learningRate the rate this step's update used
 * @param numTokens supervised tokens in this step
 * @param tokensPerSecond supervised tokens / wall-clock seconds; 0 until {@link #withElapsedSeconds}
 */
public record SftStepMetrics(
    double loss, double gradNorm, double learningRate, long numTokens, double tokensPerSecond) {

  /**
   * The metrics of a merged step.
   *
   * @param step the merged accumulator, whose token count is the supervised-token count and whose
   *     {@link SftLossOutput#LOSS_SUM_KEY} metric is the NLL sum
   */
  public static SftStepMetrics from(GradientAccumulator step, double gradNorm, double learningRate) {
    return new SftStepMetrics(
        step.metricMean(SftLossOutput.LOSS_SUM_KEY, AverageOver.TOKENS),
        gradNorm,
        learningRate,
        step.tokenCount(),
        0);
  }

  /** The same metrics with throughput filled in from the step's wall-clock duration. */
  public SftStepMetrics withElapsedSeconds(double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("elapsed seconds = " + seconds + " must be finite and > 0");
    }
    return new SftStepMetrics(loss, gradNorm, learningRate, numTokens, numTokens / seconds);
  }

  /** The metrics keyed by TRL's log names. */
  public Map<String, Double> byTrlName() {
    Map<String, Double> named = new LinkedHashMap<>();
    named.put("loss", loss);
    named.put("grad_norm", gradNorm);
    named.put("learning_rate", learningRate);
    named.put("num_tokens", (double) numTokens);
    named.put("tokens_per_second", tokensPerSecond);
    return named;
  }
}
