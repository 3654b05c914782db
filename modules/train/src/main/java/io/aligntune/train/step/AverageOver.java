package io.aligntune.train.step;

/**
 * The count a step's summed gradients and metrics are divided by. Making it explicit keeps a DPO step from
 * being averaged over tokens or an SFT step over sequences by accident.
 */
public enum AverageOver {
  /** Preference pairs: DPO-family losses are one number per pair. */
  PAIRS,
  /** Supervised target tokens: SFT's loss is one number per token. */
  TOKENS
}
