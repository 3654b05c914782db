package io.aligntune.core.data.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads a JSON Lines file (plain or gzip, detected from its first bytes) into parsed records, lazily, with
 * each record's true 1-based line number.
 *
 * <p>Per line: a line that is not valid UTF-8, or whose JSON escapes decode to text UTF-8 cannot encode (an
 * unpaired surrogate, {@link StrictJson#unpairedSurrogate}), is one {@link RejectReason#INVALID_UTF8} reject; a
 * line that is empty or only whitespace is not a record and is skipped, reported only to the caller's
 * blank-line counter if it passes one (line numbers still advance, so later rejects point at the right line);
 * a line that is not one JSON value is one
 * {@link RejectReason#MALFORMED_JSON} reject; anything else goes to the record parser. A bad line never
 * stops the file. An I/O failure (a truncated gzip stream included) does: it is thrown as
 * {@link UncheckedIOException}, because a file that cannot be read to its end must fail the job, not shrink it.
 */
public final class JsonlSource {

  private JsonlSource() {}

  /**
   * Parses every record of {@code in}. The returned stream owns {@code in}: closing the stream closes it, so
   * use it in try-with-resources.
   *
   * @param sourceFile the name written into values and rejects (a path or URI)
   */
  public static <T> Stream<Parsed<T>> read(String sourceFile, InputStream in, RecordParser<T> parser) {
    return read(sourceFile, in, parser, () -> {});
  }

  /**
   * As {@link #read(String, InputStream, RecordParser)}, calling {@code onBlankLine} once per skipped blank
   * line, so that a caller can report them.
   */
  public static <T> Stream<Parsed<T>> read(String sourceFile, InputStream in, RecordParser<T> parser,
      Runnable onBlankLine) {
    Utf8LineReader lines;
    try {
      lines = new Utf8LineReader(DecompressedInput.open(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + sourceFile, e);
    }
    Spliterator<Parsed<T>> records = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
      @Override
      public boolean tryAdvance(Consumer<? super Parsed<T>> action) {
        RawLine line = nextRecordLine(lines, sourceFile, onBlankLine);
        if (line == null) {
          return false;
        }
        action.accept(parseLine(line, sourceFile, parser));
        return true;
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

  /** One line, already split off a file: the function used per line, exposed for callers holding lines. */
  public static <T> Parsed<T> parseLine(RawLine line, String sourceFile, RecordParser<T> parser) {
    if (!line.validUtf8()) {
      return Parsed.rejected(new Reject(sourceFile, line.number(), "", RejectReason.INVALID_UTF8, line.utf8Error()));
    }
    JsonNode record;
    try {
      record = StrictJson.parse(line.text());
    } catch (JsonProcessingException e) {
      return Parsed.rejected(
          new Reject(sourceFile, line.number(), "", RejectReason.MALFORMED_JSON, StrictJson.describe(e)));
    }
    Reject unencodable = StrictJson.unpairedSurrogate(record, sourceFile, line.number());
    return unencodable != null ? Parsed.rejected(unencodable) : parser.parse(record, sourceFile, line.number());
  }

  private static RawLine nextRecordLine(Utf8LineReader lines, String sourceFile, Runnable onBlankLine) {
    try {
      RawLine line = lines.next();
      while (line != null && line.isBlank()) {
        onBlankLine.run();
        line = lines.next();
      }
      return line;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + sourceFile + " after line " + lines.linesRead(), e);
    }
  }
}
