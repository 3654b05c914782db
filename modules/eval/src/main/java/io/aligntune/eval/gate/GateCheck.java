package io.aligntune.eval.gate;

/**
 * One check of the promotion gate: what was compared, and whether it passed.
 *
 * @param check the check's name: {@code pass_rate_drop} (value = points the pass rate fell from the aligned
 *     model, limit = {@code max_drop_points}; passes when value ≤ limit), {@code pass_rate} (final pass rate
 *     against {@code pass_rate_threshold}; passes when value ≥ limit), {@code diversity} (final distinct-2
 *     against {@code diversity_floor}; value ≥ limit) or {@code perplexity} (final held-out perplexity
 *     against base × {@code max_perplexity_ratio}; value ≤ limit)
 * @param passed whether the check passed
 * @param value the measured number
 * @param limit the number it was compared with
 * @param detail a sentence naming the numbers, for logs and the manifest
 */
public record GateCheck(String check, boolean passed, double value, double limit, String detail) {}
