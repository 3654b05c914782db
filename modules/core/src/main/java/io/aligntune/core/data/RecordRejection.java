package io.aligntune.core.data;

import java.util.Objects;

/**
 * Thrown inside record parsers and converted to a {@link Reject} at their entry point, so that validation
 * code reads top to bottom ("require this field, then that one") instead of threading results through
 * every helper. It never escapes a public parsing method. No stack trace is captured: rejects are expected
 * data outcomes, and bad files can hold millions of them.
 */
public final class RecordRejection extends RuntimeException {

  private final String field;
  private final RejectReason reason;
  private final String detail;

  public RecordRejection(String field, RejectReason reason, String detail) {
    super(reason.code() + (field.isEmpty() ? "" : " [" + field + "]") + ": " + detail, null, false, false);
    this.field = Objects.requireNonNull(field, "field");
    this.reason = reason;
    this.detail = detail;
  }

  public String field() {
    return field;
  }

  public RejectReason reason() {
    return reason;
  }

  public String detail() {
    return detail;
  }

  /** The reject for the record at {@code line} of {@code sourceFile}. */
  public Reject toReject(String sourceFile, long line) {
    return new Reject(sourceFile, line, field, reason, detail);
  }
}
