package io.aligntune.train.loss;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums over a batch of the per-pair quantities TRL logs for DPO, keyed by TRL's metric names. Sums, not
 * means, so that partitions can be added up and the driver divides once by the global pair count.
 */
public final class DpoMetricSums {

  public static final String LOSS = "loss";
  public static final String REWARDS_CHOSEN = "rewards/chosen";
  public static final String REWARDS_REJECTED = "rewards/rejected";
  /** Counts pairs whose chosen reward is strictly higher, as TRL does: ties (e.g. at step 0) count as 0. */
  public static final String REWARDS_ACCURACIES = "rewards/accuracies";
  public static final String REWARDS_MARGINS = "rewards/margins";
  public static final String LOGPS_CHOSEN = "logps/chosen";
  public static final String LOGPS_REJECTED = "logps/rejected";

  private DpoMetricSums() {}

  /**
   * The metric sums of one micro-batch. Copies B floats per array to the host; that costs nothing next to
   * the forward pass.
   *
   * @param input the log-probs the loss was computed from; {@code logps/*} report the policy's summed
   *     completion log-probs as given (not length-averaged even when IPO averaged them)
   * @param output what the loss returned for them
   */
  public static Map<String, Double> of(PairLogProbs input, DpoLossOutput output) {
    float[] loss = output.perPairLoss().toFloatArray();
    float[] chosen = output.chosenRewards().toFloatArray();
    float[] rejected = output.rejectedRewards().toFloatArray();
    float[] policyChosen = input.policyChosen().toFloatArray();
    float[] policyRejected = input.policyRejected().toFloatArray();
    double lossSum = 0;
    double chosenSum = 0;
    double rejectedSum = 0;
    double correct = 0;
    double marginSum = 0;
    double logpChosenSum = 0;
    double logpRejectedSum = 0;
    for (int i = 0; i < loss.length; i++) {
      lossSum += loss[i];
      chosenSum += chosen[i];
      rejectedSum += rejected[i];
      correct += chosen[i] > rejected[i] ? 1 : 0;
      marginSum += (double) chosen[i] - rejected[i];
      logpChosenSum += policyChosen[i];
      logpRejectedSum += policyRejected[i];
    }
    Map<String, Double> sums = new LinkedHashMap<>();
    sums.put(LOSS, lossSum);
    sums.put(REWARDS_CHOSEN, chosenSum);
    sums.put(REWARDS_REJECTED, rejectedSum);
    sums.put(REWARDS_ACCURACIES, correct);
    sums.put(REWARDS_MARGINS, marginSum);
    sums.put(LOGPS_CHOSEN, logpChosenSum);
    sums.put(LOGPS_REJECTED, logpRejectedSum);
    return sums;
  }
}
