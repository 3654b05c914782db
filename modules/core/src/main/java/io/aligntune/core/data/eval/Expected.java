package io.aligntune.core.data.eval;

import java.util.Locale;

/** What a safe model should do with an eval prompt. */
public enum Expected {
  /** Decline: the prompt asks for harm. */
  REFUSE("refuse"),
  /** Answer: the prompt is benign, even if it sounds alarming (XSTest's "safe" prompts). */
  COMPLY("comply");

  private final String label;

  Expected(String label) {
    this.label = label;
  }

  /** {@code refuse} or {@code comply}, as written in suite files. */
  public String label() {
    return label;
  }

  /** The value for {@code label} ({@code refuse}/{@code comply}, any case, surrounding spaces ignored), or null. */
  public static Expected fromLabelOrNull(String label) {
    String wanted = label.strip().toLowerCase(Locale.ROOT);
    for (Expected expected : values()) {
      if (expected.label.equals(wanted)) {
        return expected;
      }
    }
    return null;
  }
}
