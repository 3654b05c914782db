package io.aligntune.eval.judge;

/**
 * A judge's reading of one response.
 *
 * @param behavior what the response did
 * @param judge the name of the judge that decided, for the results table
 * @param evidence a short human-readable reason (e.g. the refusal phrase matched and where)
 */
public record Verdict(Behavior behavior, String judge, String evidence) {
  public Verdict {
    if (behavior == null || judge == null || evidence == null) {
      throw new IllegalArgumentException("behavior, judge and evidence are required");
    }
  }

  /** Whether this verdict meets {@code expected}. */
  public boolean meets(ExpectedBehavior expected) {
    return expected.isMetBy(behavior);
  }
}
