package io.aligntune.spark.data;

import io.aligntune.train.dpo.DpoExample;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A tokenized preference dataset, ready for DPO: one row per pair, {@link #SCHEMA}, indexed 0..N-1 in
 * (source file, line, pair) order, with its {@link DatasetManifest}. Stored as Parquet plus the
 * {@code _dataset.json} sidecar, so that a later run with the same inputs, tokenizer and truncation policy
 * {@link #loadIfCurrent reuses it} instead of tokenizing again.
 *
 * <p><b>Reference log-probs.</b> Freshly tokenized pairs hold {@link #NO_REFERENCE} (NaN) in both reference
 * columns: "not computed" must not look like a log-prob (0 is the log-prob of a certain completion), and a
 * NaN that slips into training turns the loss NaN at once instead of biasing it silently. The reference
 * pass ({@code ReferenceLogProbJob}) overwrites them; {@link #withReferences} puts its output back into the
 * table and records which model produced it, and {@link #write} stores the result.
 */
public final class TokenizedPreferences {

  /** {@link DatasetKey#kind()} of preference datasets. */
  public static final String KIND = "dpo_pairs";

  /** Value of both reference columns until the reference pass has filled them. */
  public static final float NO_REFERENCE = Float.NaN;

  /**
   * {@code index}: dense, 0-based, the {@link DpoExample#index()}; {@code chosen}, {@code rejected}: the two
   * trained sequences, BOS + prompt + completion (+ EOS), identical up to {@code prompt_length};
   * {@code reference_chosen}, {@code reference_rejected}: the reference model's summed completion log-probs;
   * {@code source_file}, {@code line}, {@code pair_index}: lineage (see {@link SourcePosition}).
   */
  public static final StructType SCHEMA = new StructType()
      .add("index", DataTypes.LongType, false)
      .add("chosen", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("rejected", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("prompt_length", DataTypes.IntegerType, false)
      .add("reference_chosen", DataTypes.FloatType, false)
      .add("reference_rejected", DataTypes.FloatType, false)
      .add("source_file", DataTypes.StringType, false)
      .add("line", DataTypes.LongType, false)
      .add("pair_index", DataTypes.IntegerType, false);

  private final Dataset<Row> rows;
  private final DatasetManifest manifest;

  TokenizedPreferences(Dataset<Row> rows, DatasetManifest manifest) {
    this.rows = Objects.requireNonNull(rows, "rows");
    this.manifest = Objects.requireNonNull(manifest, "manifest");
  }

  /** The rows, {@link #SCHEMA}; in index order only as written by the job (sort by {@code index} if it matters). */
  public Dataset<Row> rows() {
    return rows;
  }

  public DatasetManifest manifest() {
    return manifest;
  }

  /** Number of pairs. */
  public long count() {
    return manifest.examples();
  }

  /** Whether the reference columns hold a reference model's log-probs rather than {@link #NO_REFERENCE}. */
  public boolean hasReferences() {
    return manifest.referenceModel() != null;
  }

  /** The pairs as the trainer takes them. */
  public JavaRDD<DpoExample> examples() {
    return rows.select(columnNames()).javaRDD().map(TokenizedPreferences::example);
  }

  /**
   * This dataset with the reference columns taken from {@code filled} (the reference pass's output, matched
   * by index), recorded as coming from {@code referenceModel}. Fails if any pair has no reference value or
   * a value is not finite: a pair missing its reference must not reach training.
   *
   * @param referenceModel the reference model's identity (its content hash), kept in the manifest
   */
  public TokenizedPreferences withReferences(JavaRDD<DpoExample> filled, String referenceModel) {
    SparkSession spark = rows.sparkSession();
    StructType schema = new StructType()
        .add("index", DataTypes.LongType, false)
        .add("reference_chosen", DataTypes.FloatType, false)
        .add("reference_rejected", DataTypes.FloatType, false);
    Dataset<Row> references = spark.createDataFrame(filled.map(e ->
        RowFactory.create((long) e.index(), e.referenceChosen(), e.referenceRejected())), schema);
    Dataset<Row> joined = rows.drop("reference_chosen", "reference_rejected")
        .join(references, "index")
        .select(columnNames());
    long complete = joined.filter(functions.not(functions.isnan(functions.col("reference_chosen")))
        .and(functions.not(functions.isnan(functions.col("reference_rejected"))))
        .and(functions.abs(functions.col("reference_chosen")).lt(Float.POSITIVE_INFINITY))
        .and(functions.abs(functions.col("reference_rejected")).lt(Float.POSITIVE_INFINITY))).count();
    if (complete != count()) {
      throw new IllegalStateException("the reference pass gave finite log-probs for " + complete + " of "
          + count() + " pairs (matched by index); every pair needs them");
    }
    return new TokenizedPreferences(joined, manifest.withReferenceModel(referenceModel));
  }

  /**
   * Stores this dataset at {@code path} (any Hadoop URI), replacing what is there as a whole (see
   * {@link DatasetDirectory}), and returns it as read back from there. This dataset's own rows may be read
   * from {@code path} (rewriting after {@link #withReferences}): they are copied before the old files go,
   * but this object must not be used afterwards; use the returned one.
   */
  public TokenizedPreferences write(String path) {
    SparkSession spark = rows.sparkSession();
    DatasetDirectory.write(spark, rows.select(columnNames()), manifest, path);
    return new TokenizedPreferences(spark.read().parquet(path), manifest);
  }

  /**
   * The dataset stored at {@code path} if it was prepared from exactly {@code expected} (same input bytes,
   * tokenizer, policy, format, code version); empty when there is none or it is stale.
   */
  public static Optional<TokenizedPreferences> loadIfCurrent(SparkSession spark, String path, DatasetKey expected) {
    if (!KIND.equals(expected.kind())) {
      throw new IllegalArgumentException("expected a key of kind " + KIND + ", got " + expected.kind());
    }
    return DatasetDirectory.loadIfCurrent(spark, path, expected)
        .map(stored -> new TokenizedPreferences(stored.rows(), stored.manifest()));
  }

  static Row row(long index, SourcePosition position, int[] chosen, int[] rejected, int promptLength) {
    return RowFactory.create(index, chosen, rejected, promptLength, NO_REFERENCE, NO_REFERENCE,
        position.sourceFile(), position.line(), position.pairIndex());
  }

  private static DpoExample example(Row row) {
    return new DpoExample(Math.toIntExact(row.getLong(0)), ints(row.getList(1)), ints(row.getList(2)),
        row.getInt(3), row.getFloat(4), row.getFloat(5));
  }

  static int[] ints(List<Integer> values) {
    int[] ids = new int[values.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = values.get(i);
    }
    return ids;
  }

  private static org.apache.spark.sql.Column[] columnNames() {
    String[] names = SCHEMA.fieldNames();
    org.apache.spark.sql.Column[] columns = new org.apache.spark.sql.Column[names.length];
    for (int i = 0; i < names.length; i++) {
      columns[i] = functions.col(names[i]);
    }
    return columns;
  }
}
