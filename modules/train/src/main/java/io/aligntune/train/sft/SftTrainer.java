package io.aligntune.train.sft;

import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SFT run: the shared {@link TrainingLoop} (average over supervised tokens, clip, AdamW, lr(step)),
 * with held-out evaluation, early stopping and restoring the best weights.
 *
 * <p>The loop has no stop hook, so this runs it in segments that end at evaluation steps; after each one
 * it asks the validation whether to go on. Listeners cannot tell: they see the run's real total, every
 * step once with {@code eval_loss} added to the metrics of the steps that were evaluated, and one
 * {@code onFinish} at the very end (after the best weights are restored). Segments cost nothing: the loop
 * resumes from {@code state.completedSteps()}, and every step's lr and batch are pure functions of the
 * step.
 */
public final class SftTrainer {

  /** The metric under which evaluations enter the step records (TRL's name). */
  public static final String EVAL_LOSS = "eval_loss";

  private final TrainingLoop.Settings settings;
  private final SftValidation validation;
  private final List<StepListener> listeners;
  private boolean stoppedEarly;

  /**
   * @param settings the loop's settings; {@code totalSteps} is the most the run makes (see
   *     {@link #totalSteps}), and {@code averageOver} must be tokens
   * @param validation evaluation and early stopping; null trains without evaluating
   * @param listeners logging, metrics, checkpoints
   */
  public SftTrainer(TrainingLoop.Settings settings, SftValidation validation, List<StepListener> listeners) {
    if (settings.averageOver() != io.aligntune.train.step.AverageOver.TOKENS) {
      throw new IllegalArgumentException("SFT averages gradients over supervised tokens; got average_over = "
          + settings.averageOver());
    }
    this.settings = settings;
    this.validation = validation;
    this.listeners = List.copyOf(listeners);
  }

  /** Updates for {@code epochs} passes over the data: epochs × the plan's steps per epoch. */
  public static long totalSteps(BatchPlan plan, int epochs) {
    if (epochs <= 0) {
      throw new IllegalArgumentException("num_train_epochs must be positive, got " + epochs);
    }
    return Math.multiplyExact((long) epochs, plan.stepsPerEpoch());
  }

  /**
   * Why fewer than {@code maxSteps} updates will run when {@code maxEpochs} passes over the data come first
   * ("9 steps, not max_steps 10: max_epochs 3 × 3 steps per epoch"); null when max_steps is the bound. A
   * run silently shorter than its max_steps looks like a crash or an early stop otherwise.
   */
  public static String epochCap(long maxSteps, BatchPlan plan, int maxEpochs) {
    long byEpochs = totalSteps(plan, maxEpochs);
    return byEpochs >= maxSteps ? null : byEpochs + " steps, not max_steps " + maxSteps + ": max_epochs " + maxEpochs
        + " × " + plan.stepsPerEpoch() + " steps per epoch";
  }

  /**
   * Trains from {@code state.completedSteps()} until the total, or until the validation asks to stop; then
   * restores the best weights when the validation is set to. Returns the same state, updated.
   */
  public TrainingState run(TrainingState state, StepGradients gradients) {
    long total = settings.totalSteps();
    Relay relay = new Relay(total);
    if (validation != null && validation.settings().evaluateAtStart() && state.completedSteps() == 0) {
      validation.evaluate(state);
    }
    while (state.completedSteps() < total && !(validation != null && validation.stopRequested())) {
      long end = total;
      if (validation != null) {
        long every = validation.settings().evalEvery();
        end = Math.min(total, (state.completedSteps() / every + 1) * every);
      }
      new TrainingLoop(new TrainingLoop.Settings(end, settings.maxGradNorm(), settings.schedule(),
          settings.averageOver(), settings.metrics()), List.of(relay)).run(state, gradients);
    }
    stoppedEarly = state.completedSteps() < total;
    if (validation != null && validation.settings().restoreBest()) {
      validation.restoreBest(state);
    }
    for (StepListener listener : listeners) {
      listener.onFinish(state);
    }
    return state;
  }

  /** Whether the last {@link #run} ended before its total because the eval loss stopped improving. */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** Hands each step to the validation, then to the listeners with the run's total and eval_loss. */
  private final class Relay implements StepListener {
    private final long total;

    Relay(long total) {
      this.total = total;
    }

    @Override
    public void onStep(StepRecord segmentRecord, TrainingState state) {
      Map<String, Double> metrics = new LinkedHashMap<>(segmentRecord.metrics());
      StepRecord record = new StepRecord(segmentRecord.step(), total, metrics, segmentRecord.seconds());
      if (validation != null) {
        validation.onStep(record, state);
        validation.evaluationAt(state.completedSteps()).ifPresent(e -> metrics.put(EVAL_LOSS, e.loss()));
      }
      for (StepListener listener : listeners) {
        listener.onStep(record, state);
      }
    }
  }
}
