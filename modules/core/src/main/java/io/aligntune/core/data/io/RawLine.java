package io.aligntune.core.data.io;

/**
 * One physical line of a text file.
 *
 * @param number 1-based line number
 * @param text the line without its terminator; when the bytes are not valid UTF-8 it is still filled (each
 *     bad sequence replaced by U+FFFD) so that structure around it, such as CSV quoting, can be followed,
 *     but the content must not be used
 * @param utf8Error {@code null} for valid UTF-8, else where decoding failed
 * @param terminator {@code "\n"}, {@code "\r\n"}, or {@code ""} for a last line with no newline
 */
public record RawLine(long number, String text, String utf8Error, String terminator) {

  public boolean validUtf8() {
    return utf8Error == null;
  }

  /** Empty lines separate nothing in JSONL or CSV: they are not records, and are not counted as rows. */
  public boolean isBlank() {
    return utf8Error == null && text.isBlank();
  }
}
