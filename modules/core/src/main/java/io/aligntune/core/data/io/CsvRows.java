package io.aligntune.core.data.io;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordRejection;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads a CSV file with a header into values, one {@link Parsed} per data record: a structurally broken
 * record, one whose width differs from the header's ({@code wrong_column_count}), or one the row parser
 * rejects becomes a reject at the line where the record starts.
 *
 * <p>The header must be readable and hold the required columns, else the whole file is refused with an
 * {@link IllegalArgumentException}: that is the wrong file, not a bad row.
 */
public final class CsvRows {

  /** Turns one data record into a value, throwing {@link RecordRejection} for a bad one. */
  @FunctionalInterface
  public interface RowParser<T> extends Serializable {
    /**
     * @param header the file's header
     * @param record a record already checked to have the header's width
     * @param dataRow 1-based ordinal of the record among data records (the header not counted)
     */
    T parse(CsvHeader header, CsvRecord record, long dataRow);
  }

  private CsvRows() {}

  /** The returned stream owns {@code in}: closing it closes it. */
  public static <T> Stream<Parsed<T>> read(String sourceFile, InputStream in, List<String> requiredColumns,
      RowParser<T> parser) {
    Stream<Parsed<CsvRecord>> records = CsvReader.read(sourceFile, in);
    try {
      Iterator<Parsed<CsvRecord>> it = records.iterator();
      if (!it.hasNext()) {
        throw new IllegalArgumentException(sourceFile + " is empty: expected a header with columns " + requiredColumns);
      }
      Parsed<CsvRecord> first = it.next();
      if (!first.isAccepted()) {
        throw new IllegalArgumentException(sourceFile + ": the header cannot be read: " + first.rejectOrNull().detail());
      }
      CsvHeader header = CsvHeader.of(((Parsed.Accepted<CsvRecord>) first).value(), sourceFile, requiredColumns);
      Spliterator<Parsed<T>> rows = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
        private long dataRow;

        @Override
        public boolean tryAdvance(Consumer<? super Parsed<T>> action) {
          if (!it.hasNext()) {
            return false;
          }
          Parsed<CsvRecord> next = it.next();
          dataRow++;
          if (!next.isAccepted()) {
            action.accept(Parsed.rejected(next.rejectOrNull()));
            return true;
          }
          CsvRecord record = ((Parsed.Accepted<CsvRecord>) next).value();
          try {
            header.requireWidth(record);
            action.accept(Parsed.accepted(parser.parse(header, record, dataRow)));
          } catch (RecordRejection rejection) {
            action.accept(Parsed.rejected(rejection.toReject(sourceFile, record.line())));
          }
          return true;
        }
      };
      return StreamSupport.stream(rows, false).onClose(records::close);
    } catch (RuntimeException e) {
      records.close();
      throw e;
    }
  }
}
