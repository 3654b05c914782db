package io.aligntune.core.data.preference;

import java.util.Locale;

/**
 * The layouts of preference records that {@link PreferenceRecordParser} reads. Each has a snake_case
 * {@link #configName()} for the pipeline YAML ({@code data.format: hh_transcript}).
 */
public enum PreferenceFormat {
  /** Detect the layout per record from its keys; see {@link PreferenceRecordParser#detect}. */
  AUTO("auto"),
  /** {@code {"prompt": text, "chosen": text, "rejected": text}}, used verbatim. */
  PROMPT_CHOSEN_REJECTED("prompt_chosen_rejected"),
  /**
   * {@code {"prompt" or "messages": [{role, content}...], "chosen", "rejected"}} where chosen/rejected are text
   * or a list with one assistant message; rendered with the chat renderer.
   */
  CHAT("chat"),
  /**
   * Anthropic HH-RLHF: {@code {"chosen": transcript, "rejected": transcript}}, both full
   * {@code "\n\nHuman: ...\n\nAssistant: ..."} dialogues sharing everything up to the last assistant turn.
   */
  HH_TRANSCRIPT("hh_transcript"),
  /**
   * OpenAI / Azure preference fine-tuning: {@code {"input": {"messages": [...]}, "preferred_output":
   * [{assistant}], "non_preferred_output": [{assistant}]}}.
   */
  PREFERRED_OUTPUT("preferred_output"),
  /** {@code {"prompt", "responses": [text...], "scores": [number...]}}: best response versus each worse one. */
  RANKED("ranked");

  private final String configName;

  PreferenceFormat(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  /** The format named {@code name} in configuration (any letter case). */
  public static PreferenceFormat fromConfigName(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    for (PreferenceFormat format : values()) {
      if (format.configName.equals(wanted)) {
        return format;
      }
    }
    StringBuilder accepted = new StringBuilder();
    for (PreferenceFormat format : values()) {
      accepted.append(accepted.length() == 0 ? "" : ", ").append(format.configName);
    }
    throw new IllegalArgumentException("unknown preference format '" + name + "'; accepted: " + accepted);
  }
}
