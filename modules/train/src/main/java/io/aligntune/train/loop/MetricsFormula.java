package io.aligntune.train.loop;

import io.aligntune.train.step.GradientAccumulator;
import io.aligntune.train.step.DpoStepMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns a merged step accumulator into the step's named metrics (means over the global count). */
@FunctionalInterface
public interface MetricsFormula {

  Map<String, Double> metrics(GradientAccumulator step, double gradNorm, double learningRate, double seconds);

  /** DPO's metrics under TRL's names, plus pairs/s and tokens/s. */
  static MetricsFormula dpo() {
    return (step, gradNorm, lr, seconds) ->
        new LinkedHashMap<>(DpoStepMetrics.from(step, gradNorm, lr).withElapsedSeconds(seconds).byTrlName());
  }
}
