package io.aligntune.core.data;

import java.util.Locale;

/**
 * Why a record was quarantined. Each reason has a stable snake_case {@link #code()} that is written to the
 * rejects table and the run report; codes are part of the output format and must never be renamed (add a
 * new reason instead), so that dashboards and analyst queries keep working across releases.
 */
public enum RejectReason {
  /** The line or array element is not valid JSON (also: trailing garbage, duplicate keys). */
  MALFORMED_JSON("malformed_json"),
  /** A CSV record is structurally broken: an unterminated quote, or text after a closing quote. */
  MALFORMED_CSV("malformed_csv"),
  /** The bytes of the line are not valid UTF-8; nothing of the line is used. */
  INVALID_UTF8("invalid_utf8"),
  /** The record's keys match none of the known formats. */
  UNKNOWN_FORMAT("unknown_format"),
  /** A required field is absent. */
  MISSING_FIELD("missing_field"),
  /** A required text field is empty or only whitespace. */
  EMPTY_FIELD("empty_field"),
  /**
   * A field has the wrong JSON type (a number where text is required, JSON null...); with field {@code ""},
   * the record itself is not a JSON object.
   */
  WRONG_TYPE("wrong_type"),
  /** A field is well-typed but its value is not acceptable (bad label, NaN score, length mismatch...). */
  INVALID_VALUE("invalid_value"),
  /** A CSV record has a different number of columns than the header. */
  WRONG_COLUMN_COUNT("wrong_column_count"),
  /** Chosen and rejected are the same text (or different text with the same token ids): no preference. */
  IDENTICAL_CHOSEN_REJECTED("identical_chosen_rejected"),
  /** Chosen and rejected differ, but their token ids became identical once truncated to the length budget. */
  IDENTICAL_AFTER_TRUNCATION("identical_after_truncation"),
  /** Nothing of a completion is left after truncation (or it encodes to no tokens): nothing to train on. */
  NO_COMPLETION_TOKENS("no_completion_tokens"),
  /** An HH transcript pair whose chosen and rejected do not share the prompt up to the last assistant turn. */
  PROMPT_NOT_SHARED("prompt_not_shared"),
  /** A ranked list yields no pair: every response ties with the best score. */
  NO_PAIRS("no_pairs"),
  /**
   * The chat renderer's output for a conversation is not a prefix of its output for the same conversation
   * continued, so the prompt/completion boundary cannot be found in the rendered text.
   */
  CHAT_TEMPLATE_NOT_PREFIX("chat_template_not_prefix");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  /** Stable snake_case code, as stored in the rejects table. */
  public String code() {
    return code;
  }

  /** The reason with this {@link #code()}; accepts any letter case. */
  public static RejectReason fromCode(String code) {
    String wanted = code.toLowerCase(Locale.ROOT);
    for (RejectReason reason : values()) {
      if (reason.code.equals(wanted)) {
        return reason;
      }
    }
    throw new IllegalArgumentException("unknown reject reason code '" + code + "'");
  }
}
