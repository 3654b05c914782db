package io.aligntune.core.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * One quarantined record: where it came from and why it was not used. A row of the rejects table.
 *
 * <p>{@code line} depends on the container, so that a user can go straight to the record:
 * <ul>
 *   <li>JSONL and CSV: the 1-based physical line number (for a CSV record spanning several lines, the line
 *       where it starts; the header is line 1);
 *   <li>JSON array files and Parquet: the 0-based index of the element/row in the file.
 * </ul>
 *
 * @param sourceFile path or URI of the input file, as the caller named it
 * @param line position of the record in {@code sourceFile}, as described above; never negative
 * @param field the offending field ({@code "scores"}, {@code "chosen"}, {@code "input.messages[1].content"}),
 *     or {@code ""} when the record as a whole is at fault
 * @param reason why it was rejected
 * @param detail a human-readable explanation; capped at {@value #MAX_DETAIL_CHARS} characters so that one
 *     huge malformed line cannot bloat the rejects table
 */
public record Reject(String sourceFile, long line, String field, RejectReason reason, String detail)
    implements Serializable {

  public static final int MAX_DETAIL_CHARS = 1000;

  public Reject {
    Objects.requireNonNull(sourceFile, "sourceFile");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    if (line < 0) {
      throw new IllegalArgumentException("line must be >= 0, got " + line);
    }
    if (detail.length() > MAX_DETAIL_CHARS) {
      detail = detail.substring(0, MAX_DETAIL_CHARS - 1) + "…";
    }
  }
}
