package io.aligntune.train.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aligntune.train.loss.DpoMetricSums;
import io.aligntune.train.loss.SftLossOutput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Step metrics are global sums over global counts, whatever the split of the batch. */
class StepMetricsTest {

  @Test
  void sftLossWeighsEveryTokenEqually() {
    // Micro-batch 1: 2 supervised tokens at loss 1.0 each; micro-batch 2 (another partition): 8 at 0.5.
    GradientAccumulator first =
        new GradientAccumulator().addCounts(0, 2).addMetric(SftLossOutput.LOSS_SUM_KEY, 2 * 1.0);
    GradientAccumulator second =
        new GradientAccumulator().addCounts(0, 8).addMetric(SftLossOutput.LOSS_SUM_KEY, 8 * 0.5);
    SftStepMetrics metrics = SftStepMetrics.from(first.merge(second), 1.25, 2e-5);
    // (2·1.0 + 8·0.5) / 10 = 0.6, not the mean of the two batch means, (1.0 + 0.5)/2 = 0.75.
    assertEquals(0.6, metrics.loss(), 1e-12);
    assertEquals(10, metrics.numTokens());
    SftStepMetrics timed = metrics.withElapsedSeconds(4);
    assertEquals(2.5, timed.tokensPerSecond());
    assertEquals(
        List.of("loss", "grad_norm", "learning_rate", "num_tokens", "tokens_per_second"),
        List.copyOf(timed.byTrlName().keySet()));
  }

  private static GradientAccumulator dpoPartition(
      long pairs, double loss, double chosen, double rejected, double wins, double logpChosen,
      double logpRejected) {
    GradientAccumulator accumulator = new GradientAccumulator().addCounts(pairs, 100 * pairs);
    accumulator.addMetric(DpoMetricSums.LOSS, loss);
    accumulator.addMetric(DpoMetricSums.REWARDS_CHOSEN, chosen);
    accumulator.addMetric(DpoMetricSums.REWARDS_REJECTED, rejected);
    accumulator.addMetric(DpoMetricSums.REWARDS_ACCURACIES, wins);
    accumulator.addMetric(DpoMetricSums.REWARDS_MARGINS, chosen - rejected);
    accumulator.addMetric(DpoMetricSums.LOGPS_CHOSEN, logpChosen);
    accumulator.addMetric(DpoMetricSums.LOGPS_REJECTED, logpRejected);
    return accumulator;
  }

  @Test
  void dpoMetricsAreSumsOverThePairCount() {
    GradientAccumulator merged =
        dpoPartition(3, 1.8, 0.3, -0.3, 2, -30, -45).merge(dpoPartition(1, 0.6, 0.1, 0.1, 0, -5, -7));
    DpoStepMetrics metrics = DpoStepMetrics.from(merged, 0.9, 1e-6).withElapsedSeconds(2);
    assertEquals(0.6, metrics.loss(), 1e-12);
    assertEquals(0.1, metrics.rewardsChosen(), 1e-12);
    assertEquals(-0.05, metrics.rewardsRejected(), 1e-12);
    assertEquals(0.5, metrics.rewardsAccuracies(), 1e-12);
    assertEquals(0.15, metrics.rewardsMargins(), 1e-12);
    assertEquals(-8.75, metrics.logpsChosen(), 1e-12);
    assertEquals(-13.0, metrics.logpsRejected(), 1e-12);
    assertEquals(400, metrics.numTokens());
    assertEquals(2.0, metrics.pairsPerSecond());
    assertEquals(200.0, metrics.tokensPerSecond());

    Map<String, Double> named = metrics.byTrlName();
    assertEquals(
        List.of(
            "loss", "grad_norm", "learning_rate", "num_tokens", "rewards/chosen", "rewards/rejected",
            "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected",
            "pairs_per_second", "tokens_per_second"),
        List.copyOf(named.keySet()));
    assertEquals(0.9, named.get("grad_norm"));
  }

  @Test
  void missingMetricIsNamed() {
    GradientAccumulator noMetrics = new GradientAccumulator().addCounts(1, 1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DpoStepMetrics.from(noMetrics, 0, 0));
    assertEquals(true, e.getMessage().contains("'loss'"), e.getMessage());
  }
}
