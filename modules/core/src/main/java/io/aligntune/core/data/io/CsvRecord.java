package io.aligntune.core.data.io;

import java.util.List;

/**
 * One CSV record with its fields unquoted and unescaped.
 *
 * @param line 1-based physical line where the record starts (a quoted field may span lines)
 * @param fields the field values, never null; whitespace is kept as written
 */
public record CsvRecord(long line, List<String> fields) {

  public CsvRecord {
    fields = List.copyOf(fields);
  }

  public int size() {
    return fields.size();
  }

  public String field(int index) {
    return fields.get(index);
  }
}
