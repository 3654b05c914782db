package io.aligntune.eval.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The pipeline's two decisions, as pure functions of eval results and a {@link GateConfig}:
 *
 * <ol>
 *   <li>before training, whether the base model needs alignment;
 *   <li>after training, whether the final model may be promoted.
 * </ol>
 *
 * Pass rates are fractions in [0, 1]. A value exactly on a boundary passes; comparisons allow 1e-9 of
 * slack so that, e.g., 0.97 − 2 points (0.9499999999999999 in binary) still admits a pass rate of 0.95.
 */
public final class QualityGate {

  /** Slack for boundary comparisons; far below one eval prompt's weight (1/n, n ≤ 10⁶). */
  static final double TOLERANCE = 1e-9;

  private final GateConfig config;

  public QualityGate(GateConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("config is required");
    }
    this.config = config;
  }

  public GateConfig config() {
    return config;
  }

  /**
   * Whether to align: needed when the base pass rate is below the threshold, unless alignment is skipped
   * by configuration; forced alignment always runs.
   *
   * @param basePassRate the base model's pass rate on the safety suite
   */
  public AlignmentDecision alignmentNeeded(double basePassRate) {
    requireRate("base pass rate", basePassRate);
    double threshold = config.passRateThreshold();
    boolean belowThreshold = basePassRate < threshold - TOLERANCE;
    String comparison =
        "base pass rate " + rate(basePassRate) + (belowThreshold ? " is below" : " meets")
            + " the threshold " + rate(threshold);
    if (config.forceAlignment()) {
      return new AlignmentDecision(true, "alignment forced by force_alignment (" + comparison + ")");
    }
    if (config.skipAlignment()) {
      return new AlignmentDecision(false, "alignment skipped by skip_alignment (" + comparison + ")");
    }
    return belowThreshold
        ? new AlignmentDecision(true, comparison + ": aligning")
        : new AlignmentDecision(false, comparison + ": alignment may be skipped");
  }

  /**
   * Whether the final model may be promoted. It fails when any of these holds:
   *
   * <ul>
   *   <li>{@code finalPassRate < alignedPassRate − maxDropPoints/100}: fine-tuning undid alignment;
   *   <li>{@code finalPassRate < passRateThreshold};
   *   <li>{@code finalDistinct2 < diversityFloor}: the responses collapsed;
   *   <li>with {@code maxPerplexityRatio > 0}: {@code finalPerplexity > basePerplexity × maxPerplexityRatio},
   *       the model forgot general text (see {@link #promotion(double, double, double, double, double)}).
   * </ul>
   *
   * @param alignedPassRate the pass rate before fine-tuning: the aligned model's, or the base model's when
   *     alignment was skipped
   * @param finalPassRate the pass rate of the model proposed for promotion
   * @param finalDistinct2 distinct-2 of the final model's responses to the suite
   */
  public GateDecision promotion(double alignedPassRate, double finalPassRate, double finalDistinct2) {
    return promotion(alignedPassRate, finalPassRate, finalDistinct2, Double.NaN, Double.NaN);
  }

  /**
   * As {@link #promotion(double, double, double)}, plus the forgetting guard when configured.
   *
   * @param basePerplexity held-out perplexity of the base model (NaN when not measured)
   * @param finalPerplexity held-out perplexity of the final model (NaN when not measured)
   * @throws IllegalArgumentException when the perplexity gate is on and a perplexity is missing or not
   *     positive: a gate must not pass for want of a measurement
   */
  public GateDecision promotion(double alignedPassRate, double finalPassRate, double finalDistinct2,
      double basePerplexity, double finalPerplexity) {
    requireRate("aligned pass rate", alignedPassRate);
    requireRate("final pass rate", finalPassRate);
    requireRate("final distinct-2", finalDistinct2);
    List<GateCheck> checks = new ArrayList<>();

    double allowedDrop = config.maxDropPoints() / 100.0;
    double lowestAllowed = alignedPassRate - allowedDrop;
    double dropPoints = 100 * (alignedPassRate - finalPassRate);
    boolean dropOk = finalPassRate >= lowestAllowed - TOLERANCE;
    checks.add(new GateCheck("pass_rate_drop", dropOk, dropPoints, config.maxDropPoints(), dropOk
        ? "final pass rate " + rate(finalPassRate) + " against aligned " + rate(alignedPassRate)
            + " minus the allowed drop of " + points(config.maxDropPoints()) + " points (" + rate(lowestAllowed)
            + "): within the allowed drop"
        : "final pass rate " + rate(finalPassRate) + " dropped " + points(dropPoints) + " points from aligned "
            + rate(alignedPassRate) + ", more than the allowed " + points(config.maxDropPoints())));

    double threshold = config.passRateThreshold();
    boolean thresholdOk = finalPassRate >= threshold - TOLERANCE;
    checks.add(new GateCheck("pass_rate", thresholdOk, finalPassRate, threshold, "final pass rate "
        + rate(finalPassRate) + (thresholdOk ? " meets" : " is below") + " the threshold " + rate(threshold)));

    double floor = config.diversityFloor();
    boolean diverse = finalDistinct2 >= floor - TOLERANCE;
    checks.add(new GateCheck("diversity", diverse, finalDistinct2, floor, "final distinct-2 " + rate(finalDistinct2)
        + (diverse ? " meets" : " is below") + " the diversity floor " + rate(floor)));

    double ratio = config.maxPerplexityRatio();
    if (ratio > 0) {
      if (!(basePerplexity > 0 && finalPerplexity > 0) || Double.isInfinite(basePerplexity)
          || Double.isInfinite(finalPerplexity)) {
        throw new IllegalArgumentException("max_perplexity_ratio is set but the held-out perplexities are base "
            + basePerplexity + ", final " + finalPerplexity + "; both must be measured (evaluation.held_out_text)");
      }
      double limit = basePerplexity * ratio;
      boolean remembers = finalPerplexity <= limit * (1 + TOLERANCE);
      checks.add(new GateCheck("perplexity", remembers, finalPerplexity, limit, "final held-out perplexity "
          + points(finalPerplexity) + " against base " + points(basePerplexity) + " x " + points(ratio) + " ("
          + points(limit) + ")" + (remembers ? ": within the limit" : ": above the limit, the model forgot general text")));
    }
    return new GateDecision(checks.stream().allMatch(GateCheck::passed), checks);
  }

  private static void requireRate(String what, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(what + " = " + value + " is invalid; it must lie in [0, 1]");
    }
  }

  private static String rate(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }

  private static String points(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
