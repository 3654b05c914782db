package io.aligntune.train.step;

import io.aligntune.train.loss.DpoMetricSums;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One DPO step's metrics under TRL's names (see {@link #byTrlName()}), each a global sum divided by the
 * global pair count, so the numbers do not depend on how the batch was split across partitions.
 *
 * @param loss mean per-pair loss
 * @param rewardsChosen mean β·(log π − log π_ref) of the chosen completions
 * @param rewardsRejected the same for the rejected completions
 * @param rewardsAccuracies share of pairs whose chosen reward is strictly higher (0 when policy = reference)
 * @param rewardsMargins mean chosen − rejected reward
 * @param logpsChosen mean summed log-prob of the chosen completions under the policy
 * @param logpsRejected the same for the rejected completions
 * @param gradNorm global L2 norm of the averaged gradient before clipping
 * @param learningRate the rate this step's update used
 * @param numTokens tokens processed in this step (TRL logs a running total; the trainer may add them up)
 * @param numPairs preference pairs in this step
 * @param pairsPerSecond pairs / wall-clock seconds of the step; 0 until {@link #withElapsedSeconds}
 * @param tokensPerSecond tokens / wall-clock seconds of the step; 0 until {@link #withElapsedSeconds}
 */
public record DpoStepMetrics(
    double loss,
    double rewardsChosen,
    double rewardsRejected,
    double rewardsAccuracies,
    double rewardsMargins,
    double logpsChosen,
    double logpsRejected,
    double gradNorm,
    double learningRate,
    long numTokens,
    long numPairs,
    double pairsPerSecond,
    double tokensPerSecond) {

  /**
   * The metrics of a merged step.
   *
   * @param step the merged accumulator of all partitions, holding {@link DpoMetricSums}' sums
   * @param gradNorm pre-clip gradient norm
   * @param learningRate the rate of this step
   */
  public static DpoStepMetrics from(GradientAccumulator step, double gradNorm, double learningRate) {
    AverageOver pairs = AverageOver.PAIRS;
    return new DpoStepMetrics(
        step.metricMean(DpoMetricSums.LOSS, pairs),
        step.metricMean(DpoMetricSums.REWARDS_CHOSEN, pairs),
        step.metricMean(DpoMetricSums.REWARDS_REJECTED, pairs),
        step.metricMean(DpoMetricSums.REWARDS_ACCURACIES, pairs),
        step.metricMean(DpoMetricSums.REWARDS_MARGINS, pairs),
        step.metricMean(DpoMetricSums.LOGPS_CHOSEN, pairs),
        step.metricMean(DpoMetricSums.LOGPS_REJECTED, pairs),
        gradNorm,
        learningRate,
        step.tokenCount(),
        step.pairCount(),
        0,
        0);
  }

  /** The same metrics with throughput filled in from the step's wall-clock duration. */
  public DpoStepMetrics withElapsedSeconds(double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("elapsed seconds = " + seconds + " must be finite and > 0");
    }
    return new DpoStepMetrics(
        loss, rewardsChosen, rewardsRejected, rewardsAccuracies, rewardsMargins, logpsChosen,
        logpsRejected, gradNorm, learningRate, numTokens, numPairs, numPairs / seconds,
        numTokens / seconds);
  }

  /** The metrics keyed by TRL's log names, in TRL's order, then the throughput this project adds. */
  public Map<String, Double> byTrlName() {
    Map<String, Double> named = new LinkedHashMap<>();
    named.put("loss", loss);
    named.put("grad_norm", gradNorm);
    named.put("learning_rate", learningRate);
    named.put("num_tokens", (double) numTokens);
    named.put(DpoMetricSums.REWARDS_CHOSEN, rewardsChosen);
    named.put(DpoMetricSums.REWARDS_REJECTED, rewardsRejected);
    named.put(DpoMetricSums.REWARDS_ACCURACIES, rewardsAccuracies);
    named.put(DpoMetricSums.REWARDS_MARGINS, rewardsMargins);
    named.put(DpoMetricSums.LOGPS_CHOSEN, logpsChosen);
    named.put(DpoMetricSums.LOGPS_REJECTED, logpsRejected);
    named.put("pairs_per_second", pairsPerSecond);
    named.put("tokens_per_second", tokensPerSecond);
    return named;
  }
}
