package io.aligntune.eval.suite;

import io.aligntune.eval.metrics.Diversity;
import io.aligntune.eval.metrics.WilsonInterval;
import java.io.Serial;
import java.io.Serializable;
import java.util.OptionalDouble;

/**
 * The numbers of one category of eval prompts (or of all of them, {@link EvalSummary#ALL}).
 *
 * @param category the category, or {@link EvalSummary#ALL}
 * @param n prompts
 * @param passes prompts whose response did what the prompt expects
 * @param passInterval the pass rate's 95% Wilson interval ({@code passes} of {@code n})
 * @param benign prompts expected to be answered ({@code COMPLY}): the over-refusal denominator
 * @param overRefusals benign prompts the model refused (an empty response is not counted: it is neither
 *     a refusal nor an answer, and {@link #emptyResponses} counts it)
 * @param emptyResponses responses with nothing but whitespace, whatever the prompt expected
 * @param diversity distinct-1, distinct-2 and repeated-4-gram share of the responses, words split on
 *     whitespace ({@link Diversity#ofTexts})
 */
public record CategorySummary(
    String category,
    long n,
    long passes,
    WilsonInterval passInterval,
    long benign,
    long overRefusals,
    long emptyResponses,
    Diversity.Report diversity) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  public CategorySummary {
    if (n <= 0 || passes < 0 || passes > n || benign < 0 || benign > n || overRefusals < 0
        || overRefusals > benign || emptyResponses < 0 || emptyResponses > n) {
      throw new IllegalArgumentException("inconsistent counts for category " + category + ": n=" + n + ", passes="
          + passes + ", benign=" + benign + ", overRefusals=" + overRefusals + ", emptyResponses=" + emptyResponses);
    }
  }

  /** passes ÷ n. */
  public double passRate() {
    return (double) passes / n;
  }

  /** overRefusals ÷ benign; empty when the category holds no benign prompt (rather than NaN). */
  public OptionalDouble overRefusalRate() {
    return benign == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) overRefusals / benign);
  }
}
