package io.aligntune.core.data.sft;

import java.util.Locale;

/**
 * The layouts of SFT records that {@link SftRecordParser} reads; {@link #configName()} is the YAML name.
 */
public enum SftFormat {
  /** Detect the layout per record from its keys; see {@link SftRecordParser#detect}. */
  AUTO("auto"),
  /**
   * {@code {"prompt", "completion"}}: text verbatim, or a {@code messages}-style prompt with the completion as
   * text or one assistant message (rendered). Only the completion is trained on.
   */
  PROMPT_COMPLETION("prompt_completion"),
  /** {@code {"messages": [{role, content}...]}}: every assistant turn is trained on, nothing else. */
  MESSAGES("messages"),
  /** Stanford Alpaca {@code {"instruction", "input", "output"}} with its prompt template; see {@link AlpacaPromptTemplate}. */
  ALPACA("alpaca"),
  /** {@code {"text"}}: continued pre-training, every token trained on. */
  TEXT("text");

  private final String configName;

  SftFormat(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  /** The format named {@code name} in configuration (any letter case). */
  public static SftFormat fromConfigName(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    for (SftFormat format : values()) {
      if (format.configName.equals(wanted)) {
        return format;
      }
    }
    StringBuilder accepted = new StringBuilder();
    for (SftFormat format : values()) {
      accepted.append(accepted.length() == 0 ? "" : ", ").append(format.configName);
    }
    throw new IllegalArgumentException("unknown SFT format '" + name + "'; accepted: " + accepted);
  }
}
