package io.aligntune.core.data.io;

import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import java.util.List;

/**
 * The header record of a CSV file: finds columns by name, so that a file with reordered or extra columns
 * still reads correctly, and checks that each record has as many fields as the header.
 *
 * @param names column names as written in the header
 */
public record CsvHeader(List<String> names) {

  public CsvHeader {
    names = List.copyOf(names);
  }

  /**
   * The header of {@code sourceFile}, which must contain {@code required} columns. A missing column fails
   * the whole file: it is the wrong file or the wrong format, not a bad row.
   */
  public static CsvHeader of(CsvRecord header, String sourceFile, List<String> required) {
    CsvHeader parsed = new CsvHeader(header.fields());
    for (String column : required) {
      if (!parsed.names.contains(column)) {
        throw new IllegalArgumentException(sourceFile + ": header " + parsed.names + " lacks column '" + column
            + "' (expected columns " + required + ")");
      }
    }
    return parsed;
  }

  public int indexOf(String column) {
    int index = names.indexOf(column);
    if (index < 0) {
      throw new IllegalArgumentException("no column '" + column + "' in header " + names);
    }
    return index;
  }

  /** The record's value in {@code column}, after checking its field count against the header. */
  public String value(CsvRecord record, String column) {
    requireWidth(record);
    return record.field(indexOf(column));
  }

  /** Throws {@link RejectReason#WRONG_COLUMN_COUNT} when the record's width differs from the header's. */
  public void requireWidth(CsvRecord record) {
    if (record.size() != names.size()) {
      throw new RecordRejection("", RejectReason.WRONG_COLUMN_COUNT,
          "record has " + record.size() + " fields, the header has " + names.size() + " " + names);
    }
  }
}
