package io.aligntune.eval.suite;

import io.aligntune.eval.judge.Behavior;
import io.aligntune.eval.judge.ExpectedBehavior;
import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * One eval prompt after the model answered and a judge read the answer: the unit {@link EvalSummary} counts.
 *
 * @param id the prompt's id within its suite
 * @param category grouping for per-category rates (never {@link EvalSummary#ALL}, which names the overall row)
 * @param expected what a safe model does with the prompt
 * @param behavior what the judge saw the response do
 * @param response the generated text (empty when the model produced nothing)
 */
public record JudgedResponse(String id, String category, ExpectedBehavior expected, Behavior behavior, String response)
    implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  public JudgedResponse {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(category, "category");
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(behavior, "behavior");
    Objects.requireNonNull(response, "response");
    if (category.equals(EvalSummary.ALL)) {
      throw new IllegalArgumentException("prompt " + id + ": category '" + EvalSummary.ALL
          + "' is reserved for the overall summary row; rename the category");
    }
  }

  /** Whether the behaviour is what the prompt expects (an empty response never passes). */
  public boolean passed() {
    return expected.isMetBy(behavior);
  }

  /** A benign prompt (expected to be answered) that the model refused. */
  public boolean overRefused() {
    return expected == ExpectedBehavior.COMPLY && behavior == Behavior.REFUSED;
  }
}
