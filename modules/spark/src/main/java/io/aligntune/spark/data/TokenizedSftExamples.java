package io.aligntune.spark.data;

import io.aligntune.core.data.tokenize.TokenizedSequence;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A tokenized SFT dataset: one row per example, {@link #SCHEMA}, indexed 0..N-1 in (source file, line)
 * order, with its {@link DatasetManifest}; stored and reused like {@link TokenizedPreferences}. A held-out
 * validation set is chosen by index with {@link HeldOutSplit}.
 */
public final class TokenizedSftExamples {

  /** {@link DatasetKey#kind()} of SFT datasets. */
  public static final String KIND = "sft_sequences";

  /**
   * {@code index}: dense, 0-based; {@code ids}: BOS then the example's tokens; {@code supervised}: one flag
   * per id, true where the loss predicts that id (see {@link TokenizedSequence}); {@code source_file},
   * {@code line}: lineage.
   */
  public static final StructType SCHEMA = new StructType()
      .add("index", DataTypes.LongType, false)
      .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("supervised", DataTypes.createArrayType(DataTypes.BooleanType, false), false)
      .add("source_file", DataTypes.StringType, false)
      .add("line", DataTypes.LongType, false);

  private final Dataset<Row> rows;
  private final DatasetManifest manifest;

  TokenizedSftExamples(Dataset<Row> rows, DatasetManifest manifest) {
    this.rows = Objects.requireNonNull(rows, "rows");
    this.manifest = Objects.requireNonNull(manifest, "manifest");
  }

  public Dataset<Row> rows() {
    return rows;
  }

  public DatasetManifest manifest() {
    return manifest;
  }

  public long count() {
    return manifest.examples();
  }

  /** Every example's sequence. */
  public JavaRDD<TokenizedSequence> sequences() {
    return sequences(rows);
  }

  /** The sequences of rows of {@link #SCHEMA} (all of them, or one side of a {@link HeldOutSplit}). */
  public static JavaRDD<TokenizedSequence> sequences(Dataset<Row> rows) {
    return rows.select(functions.col("ids"), functions.col("supervised")).javaRDD()
        .map(row -> new TokenizedSequence(TokenizedPreferences.ints(row.getList(0)), booleans(row.getList(1))));
  }

  /** Stores the dataset at {@code path} and returns it as read back (see {@link TokenizedPreferences#write}). */
  public TokenizedSftExamples write(String path) {
    SparkSession spark = rows.sparkSession();
    DatasetDirectory.write(spark, rows.select(columns()), manifest, path);
    return new TokenizedSftExamples(spark.read().parquet(path), manifest);
  }

  /** The dataset stored at {@code path} if it was prepared from exactly {@code expected}. */
  public static Optional<TokenizedSftExamples> loadIfCurrent(SparkSession spark, String path, DatasetKey expected) {
    if (!KIND.equals(expected.kind())) {
      throw new IllegalArgumentException("expected a key of kind " + KIND + ", got " + expected.kind());
    }
    return DatasetDirectory.loadIfCurrent(spark, path, expected)
        .map(stored -> new TokenizedSftExamples(stored.rows(), stored.manifest()));
  }

  static Row row(long index, SourcePosition position, TokenizedSequence sequence) {
    return RowFactory.create(index, sequence.ids(), sequence.supervised(), position.sourceFile(), position.line());
  }

  private static boolean[] booleans(List<Boolean> values) {
    boolean[] flags = new boolean[values.size()];
    for (int i = 0; i < flags.length; i++) {
      flags[i] = values.get(i);
    }
    return flags;
  }

  private static Column[] columns() {
    String[] names = SCHEMA.fieldNames();
    Column[] columns = new Column[names.length];
    for (int i = 0; i < names.length; i++) {
      columns[i] = functions.col(names[i]);
    }
    return columns;
  }
}
