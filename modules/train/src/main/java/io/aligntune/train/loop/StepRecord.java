package io.aligntune.train.loop;

import java.util.Map;

/**
 * What one finished optimizer step reports.
 *
 * @param step 0-based index of the update just applied
 * @param totalSteps steps the run will make in all
 * @param metrics metric name (TRL's names for DPO) → value; every value finite
 * @param seconds wall-clock duration of the step
 */
public record StepRecord(long step, long totalSteps, Map<String, Double> metrics, double seconds) {

  public double metric(String name) {
    Double v = metrics.get(name);
    if (v == null) {
      throw new IllegalArgumentException("step " + step + " has no metric '" + name + "'; it has " + metrics.keySet());
    }
    return v;
  }
}
