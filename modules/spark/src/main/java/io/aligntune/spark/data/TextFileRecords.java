package io.aligntune.spark.data;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.io.DecompressedInput;
import io.aligntune.core.data.io.JsonArraySource;
import io.aligntune.core.data.io.JsonlSource;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The records of JSON text files, read whole, in order, by the task that owns them: a JSON Lines file
 * through {@link JsonlSource} (true 1-based line numbers, each line's UTF-8 checked on its own), a JSON
 * array file through {@link JsonArraySource} (0-based element indexes). A file is never split between
 * tasks: a line number can only be known by reading every line before it.
 *
 * <p>Opens one file at a time, lazily; {@link #close()} closes the open one (also called when the task
 * ends, so a failed task does not leak a stream).
 */
final class TextFileRecords<V> implements Iterator<Parsed<V>>, AutoCloseable {

  /** Whitespace before a JSON array's '[' is skipped up to this many bytes; beyond it the file is JSONL. */
  private static final int SNIFF_LIMIT = 1 << 16;

  private final Iterator<String> uris;
  private final Configuration conf;
  private final RecordParser<V> parser;
  private Stream<Parsed<V>> open;
  private Iterator<Parsed<V>> current = Collections.emptyIterator();
  private long blankLines;

  TextFileRecords(Iterator<String> uris, Configuration conf, RecordParser<V> parser) {
    this.uris = uris;
    this.conf = conf;
    this.parser = parser;
  }

  @Override
  public boolean hasNext() {
    while (!current.hasNext()) {
      close();
      if (!uris.hasNext()) {
        return false;
      }
      String uri = uris.next();
      try {
        open = open(uri, conf, parser, () -> blankLines++);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read data file " + uri + ": " + e.getMessage(), e);
      }
      current = open.iterator();
    }
    return true;
  }

  @Override
  public Parsed<V> next() {
    hasNext();
    return current.next();
  }

  /** Blank lines skipped in the JSON Lines files read so far (not records: not in any count of rows). */
  long blankLines() {
    return blankLines;
  }

  @Override
  public void close() {
    if (open != null) {
      Stream<Parsed<V>> closing = open;
      open = null;
      current = Collections.emptyIterator();
      closing.close();
    }
  }

  /** The records of one file; the stream owns the opened file. */
  static <V> Stream<Parsed<V>> open(String uri, Configuration conf, RecordParser<V> parser, Runnable onBlankLine)
      throws IOException {
    Path path = new Path(uri);
    InputStream raw = path.getFileSystem(conf).open(path);
    try {
      BufferedInputStream data = new BufferedInputStream(DecompressedInput.open(raw), 1 << 16);
      if (InputFile.mayHoldJsonArray(path.getName()) && startsWithArray(data)) {
        return JsonArraySource.read(uri, data, parser);
      }
      return JsonlSource.read(uri, data, parser, onBlankLine);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** Whether the first byte after whitespace (and a UTF-8 byte order mark) is '['; the stream is rewound. */
  static boolean startsWithArray(BufferedInputStream in) throws IOException {
    in.mark(SNIFF_LIMIT + 1);
    try {
      int b = in.read();
      if (b == 0xEF && in.read() == 0xBB && in.read() == 0xBF) {
        b = in.read();
      }
      for (int read = 0; read < SNIFF_LIMIT && (b == ' ' || b == '\t' || b == '\r' || b == '\n'); read++) {
        b = in.read();
      }
      return b == '[';
    } finally {
      in.reset();
    }
  }
}
