package io.aligntune.eval.gate;

import java.util.List;

/**
 * The outcome of the promotion gate: every check, passed or not, in the order they were made.
 *
 * @param passed true when every check passed and the model may be promoted
 * @param checks one per check, each with its own flag, so a reader never has to tell a failure from a
 *     pass by its wording
 */
public record GateDecision(boolean passed, List<GateCheck> checks) {

  public GateDecision {
    checks = List.copyOf(checks);
    if (passed != checks.stream().allMatch(GateCheck::passed)) {
      throw new IllegalArgumentException("passed = " + passed + " disagrees with the checks " + checks);
    }
  }

  /** Why promotion was refused: the failed checks' details, empty when it passed. */
  public List<String> reasons() {
    return details(false);
  }

  /** The passed checks' details. */
  public List<String> passes() {
    return details(true);
  }

  /**
   * One line for logs, e.g. {@code "REFUSED: final pass rate 0.9300 is below ..."}: the failed checks when
   * refused, the passed ones when promoted.
   */
  public String summary() {
    return passed ? "PROMOTED: " + String.join("; ", passes()) : "REFUSED: " + String.join("; ", reasons());
  }

  private List<String> details(boolean passedChecks) {
    return checks.stream().filter(c -> c.passed() == passedChecks).map(GateCheck::detail).toList();
  }
}
