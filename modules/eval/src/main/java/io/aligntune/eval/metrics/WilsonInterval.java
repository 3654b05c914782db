package io.aligntune.eval.metrics;

/**
 * The Wilson score interval for a binomial proportion (Wilson 1927, "Probable inference, the law of
 * succession, and statistical inference"). With k successes in n trials, p̂ = k/n and z the normal quantile:
 *
 * <pre>
 *   centre    = (p̂ + z²/(2n)) / (1 + z²/n)
 *   halfWidth = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/(4n²))
 *   interval  = [centre − halfWidth, centre + halfWidth]
 * </pre>
 *
 * Chosen over the textbook p̂ ± z·√(p̂(1−p̂)/n) because eval suites are small and pass rates sit near 1,
 * where that interval collapses to zero width (at k = n) or leaves [0, 1]; Wilson's stays inside [0, 1] and
 * keeps its coverage near the nominal level (Brown, Cai &amp; DasGupta 2001).
 *
 * <p>With no trials there is no estimate. Rather than NaN, which would flow silently into tables and
 * comparisons, the interval is then the whole of [0, 1] and {@link #hasData()} is false.
 *
 * @param successes k
 * @param trials n
 * @param lower lower bound, in [0, 1]
 * @param upper upper bound, in [0, 1]
 * @param z the normal quantile the interval was computed with
 */
public record WilsonInterval(long successes, long trials, double lower, double upper, double z) {

  /** The two-sided 95% normal quantile, Φ⁻¹(0.975). */
  public static final double Z_95 = 1.959963984540054;

  public WilsonInterval {
    if (trials < 0 || successes < 0 || successes > trials) {
      throw new IllegalArgumentException(
          "successes = " + successes + " and trials = " + trials + " are invalid; need 0 <= successes <= trials");
    }
    if (!(z > 0) || Double.isInfinite(z)) {
      throw new IllegalArgumentException("z = " + z + " is invalid; it must be finite and > 0");
    }
  }

  /** The 95% interval for {@code successes} out of {@code trials}. */
  public static WilsonInterval of(long successes, long trials) {
    return of(successes, trials, Z_95);
  }

  /** The interval for {@code successes} out of {@code trials} at normal quantile {@code z}. */
  public static WilsonInterval of(long successes, long trials, double z) {
    if (trials == 0) {
      return new WilsonInterval(successes, 0, 0.0, 1.0, z);
    }
    double n = trials;
    double proportion = successes / n;
    double zSquaredOverN = z * z / n;
    double denominator = 1 + zSquaredOverN;
    double centre = (proportion + zSquaredOverN / 2) / denominator;
    double halfWidth =
        z / denominator * Math.sqrt(proportion * (1 - proportion) / n + zSquaredOverN / (4 * n));
    // At k = 0 the centre equals the half-width, and at k = n their sum is 1, exactly; in floating point
    // they miss by an ulp, so pin those bounds and clamp the rest against rounding.
    double lower = successes == 0 ? 0.0 : Math.max(0.0, centre - halfWidth);
    double upper = successes == trials ? 1.0 : Math.min(1.0, centre + halfWidth);
    return new WilsonInterval(successes, trials, lower, upper, z);
  }

  /** False when there were no trials; the interval is then [0, 1] and carries no information. */
  public boolean hasData() {
    return trials > 0;
  }

  /**
   * The observed proportion k/n.
   *
   * @throws IllegalStateException when there were no trials
   */
  public double proportion() {
    if (trials == 0) {
      throw new IllegalStateException("no trials: the proportion is undefined (interval is [0, 1])");
    }
    return (double) successes / trials;
  }

  @Override
  public String toString() {
    if (!hasData()) {
      return "0/0 (no data; interval [0, 1])";
    }
    return String.format(
        java.util.Locale.ROOT, "%d/%d = %.4f [%.4f, %.4f]", successes, trials, proportion(), lower, upper);
  }
}
