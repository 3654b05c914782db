package io.aligntune.core.config;

/**
 * {@code gates:} — what decides whether alignment is needed and whether the result may be promoted.
 *
 * @param passRateThreshold pass rate the suite must reach (default 0.95)
 * @param maxDropPoints after fine-tuning, the pass rate may drop at most this many percentage points below
 *     the aligned model's
 * @param diversityFloor minimum distinct-2 of the final model's responses (mode-collapse guard)
 * @param forceAlignment align even when the base already passes
 * @param skipAlignment never align (the promotion gate still applies)
 */
public record GateSettings(double passRateThreshold, double maxDropPoints, double diversityFloor, boolean forceAlignment,
    boolean skipAlignment) {

  static GateSettings from(ConfigNode n) {
    GateSettings g = new GateSettings(n.number("pass_rate_threshold", 0.95, 0, 1), n.number("max_drop_points", 2.0, 0, 100),
        n.number("diversity_floor", 0.2, 0, 1), n.bool("force_alignment", false), n.bool("skip_alignment", false));
    if (g.forceAlignment && g.skipAlignment) {
      throw n.error("gates.force_alignment", "and gates.skip_alignment cannot both be true");
    }
    n.rejectUnknown();
    return g;
  }
}
