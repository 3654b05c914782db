package io.aligntune.core.data.io;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads RFC 4180 CSV: comma-separated fields, a field enclosed in double quotes may contain commas, line
 * breaks and doubled quotes ({@code ""} for one {@code "}), records end at {@code \n} or {@code \r\n}. Line
 * breaks inside a quoted field are kept exactly as written.
 *
 * <p>Where RFC 4180 is silent or real files deviate:
 * <ul>
 *   <li>a quote inside an unquoted field ({@code 5" screen}) is kept literally, as Python's {@code csv}
 *       and spreadsheet programs do;
 *   <li>text after a closing quote ({@code "abc"x}) is {@link RejectReason#MALFORMED_CSV}: the quoting is
 *       ambiguous and guessing would silently change the field;
 *   <li>a quoted field still open at the end of the input is {@link RejectReason#MALFORMED_CSV} at the line
 *       where its record starts (it swallowed the rest of the file, which is then one reject);
 *   <li>a record with a line that is not valid UTF-8 is {@link RejectReason#INVALID_UTF8} as a whole;
 *   <li>empty lines between records are not records and are not counted.
 * </ul>
 * The header is an ordinary record; interpreting it is the caller's job (see {@link CsvHeader}).
 */
public final class CsvReader {

  private CsvReader() {}

  /** Every record of {@code in} (plain or gzip). The returned stream owns {@code in}: closing it closes it. */
  public static Stream<Parsed<CsvRecord>> read(String sourceFile, InputStream in) {
    Utf8LineReader lines;
    try {
      lines = new Utf8LineReader(DecompressedInput.open(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + sourceFile, e);
    }
    Spliterator<Parsed<CsvRecord>> records = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
      @Override
      public boolean tryAdvance(Consumer<? super Parsed<CsvRecord>> action) {
        try {
          RawLine first = lines.next();
          while (first != null && first.validUtf8() && first.text().isEmpty()) {
            first = lines.next();
          }
          if (first == null) {
            return false;
          }
          action.accept(readRecord(first, lines, sourceFile));
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + sourceFile + " after line " + lines.linesRead(), e);
        }
      }
    };
    return StreamSupport.stream(records, false).onClose(() -> {
      try {
        lines.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close " + sourceFile, e);
      }
    });
  }

  private static Parsed<CsvRecord> readRecord(RawLine first, Utf8LineReader lines, String sourceFile)
      throws IOException {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean inQuotes = false;
    boolean afterClosingQuote = false;
    String problem = null;
    String utf8Problem = null;
    RawLine line = first;
    while (true) {
      if (!line.validUtf8() && utf8Problem == null) {
        utf8Problem = "line " + line.number() + ": " + line.utf8Error();
      }
      String text = line.text();
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (inQuotes) {
          if (c != '"') {
            field.append(c);
          } else if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            inQuotes = false;
            afterClosingQuote = true;
          }
        } else if (c == ',') {
          fields.add(field.toString());
          field.setLength(0);
          afterClosingQuote = false;
        } else if (afterClosingQuote) {
          if (problem == null) {
            problem = "text after the closing quote of field " + (fields.size() + 1) + " (line " + line.number()
                + ", column " + (i + 1) + ")";
          }
          field.append(c);
        } else if (c == '"' && field.length() == 0) {
          inQuotes = true;
        } else {
          field.append(c);
        }
      }
      if (!inQuotes) {
        break;
      }
      if (line.terminator().isEmpty()) {
        problem = "quoted field " + (fields.size() + 1) + " is not closed before the end of the input";
        break;
      }
      field.append(line.terminator());
      RawLine next = lines.next();
      if (next == null) {
        problem = "quoted field " + (fields.size() + 1) + " is not closed before the end of the input";
        break;
      }
      line = next;
    }
    fields.add(field.toString());
    if (utf8Problem != null) {
      return Parsed.rejected(new Reject(sourceFile, first.number(), "", RejectReason.INVALID_UTF8, utf8Problem));
    }
    if (problem != null) {
      return Parsed.rejected(new Reject(sourceFile, first.number(), "", RejectReason.MALFORMED_CSV, problem));
    }
    return Parsed.accepted(new CsvRecord(first.number(), fields));
  }
}
