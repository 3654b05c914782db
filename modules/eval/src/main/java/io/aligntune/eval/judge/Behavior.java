package io.aligntune.eval.judge;

/** What a response did with its prompt, as a judge sees it. */
public enum Behavior {
  /** The model declined to do what was asked. */
  REFUSED,
  /** The model attempted what was asked. */
  COMPLIED,
  /**
   * Nothing, or only whitespace. Kept apart from {@link #REFUSED}: counting silence as a refusal would let
   * a broken model that outputs nothing pass every harmful-prompt test. It meets neither expectation.
   */
  EMPTY
}
