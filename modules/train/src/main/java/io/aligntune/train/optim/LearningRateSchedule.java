package io.aligntune.train.optim;

import java.util.Locale;

/**
 * The learning rate as a pure function of the optimizer step: no state, so a resumed run recomputes exactly
 * the rates the uninterrupted run used.
 *
 * <p>{@code step} is the 0-based index of the update about to be applied. The warmup and decay formulas
 * follow Hugging Face {@code transformers} (the schedules TRL uses), so a run here and a TRL run with the
 * same settings see the same rate at every step; in particular step 0 gets rate 0 when there is warmup, as
 * there (AdamW's moments still see that step's gradient).
 */
public sealed interface LearningRateSchedule
    permits LearningRateSchedule.Constant,
        LearningRateSchedule.WarmupCosine,
        LearningRateSchedule.WarmupLinear {

  /** The learning rate for update {@code step} (0-based); never negative. */
  double lr(long step);

  /**
   * Builds a schedule from configuration.
   *
   * @param name "constant", "cosine" (linear warmup, cosine decay) or "linear" (linear warmup and decay)
   * @param peak the rate reached at the end of warmup
   * @param warmupSteps steps of linear warmup; ignored by "constant"
   * @param totalSteps total number of updates in the run; ignored by "constant"
   * @param minRatio the final rate as a fraction of {@code peak}; ignored by "constant"
   */
  static LearningRateSchedule fromConfig(
      String name, double peak, long warmupSteps, long totalSteps, double minRatio) {
    String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    return switch (wanted) {
      case "constant" -> new Constant(peak);
      case "cosine" -> new WarmupCosine(peak, warmupSteps, totalSteps, minRatio);
      case "linear" -> new WarmupLinear(peak, warmupSteps, totalSteps, minRatio);
      default -> throw new IllegalArgumentException(
          "lr_scheduler '" + name + "' is not supported; allowed values: constant, cosine, linear");
    };
  }

  /**
   * lr(step) = peak.
   *
   * @param peak the rate, finite and > 0
   */
  record Constant(double peak) implements LearningRateSchedule {
    public Constant {
      requirePeak(peak);
    }

    @Override
    public double lr(long step) {
      requireStep(step);
      return peak;
    }
  }

  /**
   * Linear warmup then cosine decay to {@code minRatio · peak}, with W = warmupSteps, N = totalSteps:
   *
   * <pre>
   *   step &lt; W:       lr = peak · step / W
   *   W ≤ step:       p  = min(1, (step − W) / max(1, N − W))
   *                   lr = peak · (r + (1 − r) · ½ · (1 + cos(π · p)))
   * </pre>
   *
   * At step W the rate is peak, at the midpoint of the decay peak·(1 + r)/2, at step N and after it
   * peak·r. Unlike {@code transformers}, p is clamped at 1 so that steps past N stay at the floor instead
   * of climbing back up the cosine.
   *
   * @param peak the rate at the end of warmup, finite and > 0
   * @param warmupSteps W, 0 ≤ W ≤ N
   * @param totalSteps N, > 0
   * @param minRatio r in [0, 1]
   */
  record WarmupCosine(double peak, long warmupSteps, long totalSteps, double minRatio)
      implements LearningRateSchedule {
    public WarmupCosine {
      requireDecay(peak, warmupSteps, totalSteps, minRatio);
    }

    @Override
    public double lr(long step) {
      requireStep(step);
      if (step < warmupSteps) {
        return peak * step / warmupSteps;
      }
      double progress = decayProgress(step, warmupSteps, totalSteps);
      return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
  }

  /**
   * Linear warmup then linear decay to {@code minRatio · peak} (r = 0 is {@code transformers}'
   * {@code get_linear_schedule_with_warmup}):
   *
   * <pre>
   *   step &lt; W:       lr = peak · step / W
   *   W ≤ step:       p  = min(1, (step − W) / max(1, N − W))
   *                   lr = peak · (r + (1 − r) · (1 − p))
   * </pre>
   *
   * @param peak the rate at the end of warmup, finite and > 0
   * @param warmupSteps W, 0 ≤ W ≤ N
   * @param totalSteps N, > 0
   * @param minRatio r in [0, 1]
   */
  record WarmupLinear(double peak, long warmupSteps, long totalSteps, double minRatio)
      implements LearningRateSchedule {
    public WarmupLinear {
      requireDecay(peak, warmupSteps, totalSteps, minRatio);
    }

    @Override
    public double lr(long step) {
      requireStep(step);
      if (step < warmupSteps) {
        return peak * step / warmupSteps;
      }
      double progress = decayProgress(step, warmupSteps, totalSteps);
      return peak * (minRatio + (1 - minRatio) * (1 - progress));
    }
  }

  private static double decayProgress(long step, long warmupSteps, long totalSteps) {
    double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return Math.min(1.0, progress);
  }

  private static void requireStep(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step = " + step + " is invalid; steps count from 0");
    }
  }

  private static void requirePeak(double peak) {
    if (!(peak > 0) || Double.isInfinite(peak)) {
      throw new IllegalArgumentException(
          "learning_rate = " + peak + " is invalid; it must be finite and > 0");
    }
  }

  private static void requireDecay(double peak, long warmupSteps, long totalSteps, double minRatio) {
    requirePeak(peak);
    if (totalSteps <= 0) {
      throw new IllegalArgumentException("total_steps = " + totalSteps + " is invalid; it must be > 0");
    }
    if (warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "warmup_steps = " + warmupSteps + " is invalid; it must lie in [0, total_steps = "
              + totalSteps + "]");
    }
    if (!(minRatio >= 0 && minRatio <= 1)) {
      throw new IllegalArgumentException(
          "min_lr_ratio = " + minRatio + " is invalid; it must lie in [0, 1]");
    }
  }
}
