package io.aligntune.train.loop;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.train.optim.GradientClipping;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import io.aligntune.train.step.GradientAccumulator;
import java.util.List;
import java.util.Map;

/**
 * The driver loop, as Spark MLlib's GradientDescent reads: per step, gradient sums from every partition
 * (given the current weights) → divide by the global count → clip → AdamW with lr(step) → record. Where
 * the sums come from ({@link StepGradients}) is the only thing that differs between one process and a
 * cluster.
 */
public final class TrainingLoop {

  /**
   * @param totalSteps updates the whole run makes (a resumed run stops at the same total)
   * @param maxGradNorm clip the averaged gradient's global L2 norm to this (≤ 0 disables clipping)
   * @param schedule lr(step)
   * @param averageOver the divisor of gradient sums: pairs (DPO) or supervised tokens (SFT)
   */
  public record Settings(long totalSteps, double maxGradNorm, LearningRateSchedule schedule, AverageOver averageOver,
      MetricsFormula metrics) {
    public Settings {
      if (totalSteps <= 0) {
        throw new IllegalArgumentException("max_steps must be positive, got " + totalSteps);
      }
      if (Double.isNaN(maxGradNorm)) {
        throw new IllegalArgumentException("max_grad_norm must be a number");
      }
    }
  }

  private final Settings settings;
  private final List<StepListener> listeners;

  public TrainingLoop(Settings settings, List<StepListener> listeners) {
    this.settings = settings;
    this.listeners = List.copyOf(listeners);
  }

  /** Runs from {@code state.completedSteps()} to the configured total; returns the same state, updated. */
  public TrainingState run(TrainingState state, StepGradients gradients) {
    for (long step = state.completedSteps(); step < settings.totalSteps(); step++) {
      long started = System.nanoTime();
      GradientAccumulator sums = gradients.compute(step, state.weights());
      if (sums.count(settings.averageOver()) == 0) {
        throw new IllegalStateException("step " + step + " saw no examples (" + settings.averageOver()
            + " count 0): the training set is empty after validation or every target was masked");
      }
      Map<String, HostTensor> gradient = sums.averageGradients(settings.averageOver());
      double norm = settings.maxGradNorm() > 0
          ? GradientClipping.clipByGlobalNorm(gradient, settings.maxGradNorm())
          : GradientClipping.globalNorm(gradient);
      if (!Double.isFinite(norm)) {
        throw new IllegalStateException("step " + step + ": gradient norm is " + norm
            + "; refusing to apply a non-finite update (lower the learning rate or check the data)");
      }
      double lr = settings.schedule().lr(step);
      state.optimizer().update(state.weights(), gradient, lr);
      state.advance();
      double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
      StepRecord record = new StepRecord(step, settings.totalSteps(),
          settings.metrics().metrics(sums, norm, lr, seconds), seconds);
      for (StepListener listener : listeners) {
        listener.onStep(record, state);
      }
    }
    for (StepListener listener : listeners) {
      listener.onFinish(state);
    }
    return state;
  }
}
