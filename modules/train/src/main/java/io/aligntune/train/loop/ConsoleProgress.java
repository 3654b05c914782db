package io.aligntune.train.loop;

import java.io.PrintStream;
import java.util.Locale;

/** One console line per step: step/total, loss, accuracy (DPO), throughput and ETA. */
public final class ConsoleProgress implements StepListener {

  private final PrintStream out;
  private final String phase;
  private double secondsSoFar;
  private long stepsSoFar;

  public ConsoleProgress(PrintStream out, String phase) {
    this.out = out;
    this.phase = phase;
  }

  @Override
  public void onStep(StepRecord r, TrainingState state) {
    secondsSoFar += r.seconds();
    stepsSoFar++;
    double eta = (secondsSoFar / stepsSoFar) * (r.totalSteps() - r.step() - 1);
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%s] step %d/%d loss %.4f", phase, r.step() + 1,
        r.totalSteps(), r.metric("loss")));
    if (r.metrics().containsKey("rewards/accuracies")) {
      line.append(String.format(Locale.ROOT, " acc %.3f margin %.4f", r.metric("rewards/accuracies"),
          r.metric("rewards/margins")));
    }
    if (r.metrics().containsKey("pairs_per_second")) {
      line.append(String.format(Locale.ROOT, " %.1f pairs/s", r.metric("pairs_per_second")));
    }
    if (r.metrics().containsKey("tokens_per_second")) {
      line.append(String.format(Locale.ROOT, " %.0f tok/s", r.metric("tokens_per_second")));
    }
    line.append(String.format(Locale.ROOT, " lr %.2e ETA %s", r.metric("learning_rate"), duration(eta)));
    out.println(line);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
