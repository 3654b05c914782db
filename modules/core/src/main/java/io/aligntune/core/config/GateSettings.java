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
 * @param maxPerplexityRatio forgetting guard: the final model's held-out perplexity may be at most this many
 *     times the base model's (e.g. 1.25); 0 (the default) does not gate on it (it is still measured and
 *     reported). Needs {@code evaluation.held_out_text}
 */
public record GateSettings(double passRateThreshold, double maxDropPoints, double diversityFloor, boolean forceAlignment,
    boolean skipAlignment, double maxPerplexityRatio) {

  static GateSettings from(ConfigNode n) {
    GateSettings g = new GateSettings(n.number("pass_rate_threshold", 0.95, 0, 1), n.number("max_drop_points", 2.0, 0, 100),
        n.number("diversity_floor", 0.2, 0, 1), n.bool("force_alignment", false), n.bool("skip_alignment", false),
        n.number("max_perplexity_ratio", 0, 0, 1000));
    if (g.forceAlignment && g.skipAlignment) {
      throw n.error("gates.force_alignment", "and gates.skip_alignment cannot both be true");
    }
    if (g.maxPerplexityRatio > 0 && g.maxPerplexityRatio < 1) {
      throw n.error("gates.max_perplexity_ratio", "is " + g.maxPerplexityRatio + "; it is final/base perplexity, so"
          + " give 0 (not gated) or a value >= 1 (e.g. 1.25 allows 25% more perplexity than the base model)");
    }
    n.rejectUnknown();
    return g;
  }
}
