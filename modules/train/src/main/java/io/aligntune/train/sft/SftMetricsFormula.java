package io.aligntune.train.sft;

import io.aligntune.train.loop.MetricsFormula;
import io.aligntune.train.step.GradientAccumulator;
import io.aligntune.train.step.SftStepMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SFT's step metrics under TRL's names (loss, grad_norm, learning_rate, num_tokens) plus tokens_per_second:
 * the loss is the global NLL sum over the global supervised-token count ({@link SftStepMetrics}).
 */
public final class SftMetricsFormula implements MetricsFormula {

  public static final SftMetricsFormula INSTANCE = new SftMetricsFormula();

  private SftMetricsFormula() {}

  @Override
  public Map<String, Double> metrics(GradientAccumulator step, double gradNorm, double learningRate, double seconds) {
    SftStepMetrics metrics = SftStepMetrics.from(step, gradNorm, learningRate).withElapsedSeconds(seconds);
    return new LinkedHashMap<>(metrics.byTrlName());
  }
}
