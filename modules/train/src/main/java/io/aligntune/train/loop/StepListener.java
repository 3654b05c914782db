package io.aligntune.train.loop;

/** Hooks off the driver loop: logging, metric tables and checkpoints, so the loop itself stays one screen. */
public interface StepListener {

  /** Called after step {@code record.step()} was applied; {@code state} holds the updated weights. */
  void onStep(StepRecord record, TrainingState state);

  /** Called once when the loop ends normally (not on failure). */
  default void onFinish(TrainingState state) {}
}
