package io.aligntune.spark.data;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Parquet input: rows as records for the same {@link RecordParser}s that read JSON, through
 * {@link RecordParser#parseMap}.
 *
 * <p><b>Positions.</b> A row's position is its 0-based index in its file, from Spark's
 * {@code _metadata.row_index} (with {@code _metadata.file_path} for the file): a property of the file, not
 * of how Spark split it into tasks, so the same file gives the same positions in every run, on any cluster.
 * {@code input_file_name()} plus a row number computed over task partitions would depend on the split.
 *
 * <p><b>Nulls.</b> A null value (at the top level or inside a struct) is treated as an absent field. In
 * Parquet null is how "no value" is written, and files are read with their schemas merged, so a column
 * that exists only in another file or record reads as null; reporting those as {@code wrong_type} (JSON
 * null) would make the same record's reject depend on its neighbours. A null element inside a list stays
 * (it is a JSON null there, and is rejected as such).
 */
final class ParquetRecords {

  static final String FILE_COLUMN = "__aligntune_source_file";
  static final String ROW_COLUMN = "__aligntune_row_index";

  private ParquetRecords() {}

  /** The rows of {@code files} (schemas merged), each with its file URI and row index appended. */
  static Dataset<Row> read(SparkSession spark, List<String> files) {
    Dataset<Row> rows = spark.read().option("mergeSchema", "true").parquet(files.toArray(String[]::new));
    List<Column> columns = new ArrayList<>();
    for (String name : rows.columns()) {
      columns.add(rows.col("`" + name.replace("`", "``") + "`"));
    }
    columns.add(functions.col("_metadata.file_path").as(FILE_COLUMN));
    columns.add(functions.col("_metadata.row_index").as(ROW_COLUMN));
    return rows.select(columns.toArray(Column[]::new));
  }

  /** Parses the rows of one partition lazily. */
  static <V> Iterator<Parsed<V>> parse(Iterator<Row> rows, StructType schema, RecordParser<V> parser) {
    int fileIndex = schema.fieldIndex(FILE_COLUMN);
    int rowIndex = schema.fieldIndex(ROW_COLUMN);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Parsed<V> next() {
        Row row = rows.next();
        String file = InputFiles.sparkPathToUri(row.getString(fileIndex));
        return parser.parseMap(recordOf(row, fileIndex, rowIndex), file, row.getLong(rowIndex));
      }
    };
  }

  /** The row's data columns as nested maps and lists, nulls left out (see the class comment). */
  static Map<String, Object> recordOf(Row row, int... skipped) {
    Map<String, Object> record = new LinkedHashMap<>();
    StructField[] fields = row.schema().fields();
    outer:
    for (int i = 0; i < fields.length; i++) {
      for (int skip : skipped) {
        if (i == skip) {
          continue outer;
        }
      }
      if (!row.isNullAt(i)) {
        record.put(fields[i].name(), toJava(row.get(i)));
      }
    }
    return record;
  }

  private static Object toJava(Object value) {
    if (value instanceof Row struct) {
      return recordOf(struct);
    }
    if (value instanceof scala.collection.Seq<?> seq) {
      List<Object> list = new ArrayList<>(seq.size());
      for (Object element : CollectionConverters.asJava(seq)) {
        list.add(element == null ? null : toJava(element));
      }
      return list;
    }
    if (value instanceof scala.collection.Map<?, ?> map) {
      Map<String, Object> converted = new LinkedHashMap<>();
      CollectionConverters.asJava(map).forEach((k, v) -> {
        if (v != null) {
          converted.put(String.valueOf(k), toJava(v));
        }
      });
      return converted;
    }
    return value;
  }
}
