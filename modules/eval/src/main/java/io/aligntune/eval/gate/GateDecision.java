package io.aligntune.eval.gate;

import java.util.List;

/**
 * The outcome of the promotion gate.
 *
 * @param passed true when every check passed and the model may be promoted
 * @param reasons one sentence per check, failures first, each naming the numbers it compared
 */
public record GateDecision(boolean passed, List<String> reasons) {

  public GateDecision {
    reasons = List.copyOf(reasons);
  }

  /** One line for logs and reports, e.g. {@code "REFUSED: final pass rate 0.9300 is below ..."}. */
  public String summary() {
    return (passed ? "PROMOTED: " : "REFUSED: ") + String.join("; ", reasons);
  }
}
