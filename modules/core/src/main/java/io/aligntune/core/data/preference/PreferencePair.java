package io.aligntune.core.data.preference;

import java.io.Serializable;
import java.util.Objects;

/**
 * One preference judgment in text form: for {@code prompt}, {@code chosen} was preferred to {@code rejected}.
 * The texts are what the model sees, already rendered (chat template applied) and split, so that
 * {@code prompt + chosen} and {@code prompt + rejected} are exactly the two training texts.
 *
 * @param prompt the shared context, non-empty
 * @param chosen the preferred completion, with a non-whitespace character
 * @param rejected the dispreferred completion, with a non-whitespace character, different from chosen
 * @param sourceFile the input file it came from
 * @param line its position in the file (see {@link io.aligntune.core.data.Reject} for the meaning)
 * @param pairIndex which pair of its record: 0, except for ranked lists, which yield pairs 0, 1, ...
 */
public record PreferencePair(String prompt, String chosen, String rejected, String sourceFile, long line,
    int pairIndex) implements Serializable {

  public PreferencePair {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(chosen, "chosen");
    Objects.requireNonNull(rejected, "rejected");
    Objects.requireNonNull(sourceFile, "sourceFile");
    if (prompt.isEmpty()) {
      throw new IllegalArgumentException("prompt must not be empty");
    }
    if (chosen.isBlank()) {
      throw new IllegalArgumentException("chosen must have a non-whitespace character");
    }
    if (rejected.isBlank()) {
      throw new IllegalArgumentException("rejected must have a non-whitespace character");
    }
    if (chosen.equals(rejected)) {
      throw new IllegalArgumentException("chosen and rejected are identical: no preference to learn");
    }
    if (line < 0) {
      throw new IllegalArgumentException("line must be >= 0, got " + line);
    }
    if (pairIndex < 0) {
      throw new IllegalArgumentException("pairIndex must be >= 0, got " + pairIndex);
    }
  }

  /** A pair that is the only one of its record. */
  public PreferencePair(String prompt, String chosen, String rejected, String sourceFile, long line) {
    this(prompt, chosen, rejected, sourceFile, line, 0);
  }

  /**
   * A stable identifier, {@code sourceFile:line} or {@code sourceFile:line#pairIndex} for later pairs of
   * a ranked list: the same input always gives the same id, which keeps deterministic shuffles and joins
   * with stored reference log-probs stable across runs.
   */
  public String id() {
    return sourceFile + ":" + line + (pairIndex == 0 ? "" : "#" + pairIndex);
  }
}
