package io.aligntune.spark.data;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.preference.PreferenceFormat;
import io.aligntune.core.data.preference.PreferencePair;
import io.aligntune.core.data.preference.PreferenceRecordParser;
import io.aligntune.core.data.tokenize.PreferencePairTokenizer;
import io.aligntune.core.data.tokenize.TokenizedPair;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.core.text.Tokenizer;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Prepares preference data for DPO, as a Spark job: reads JSONL / JSON / Parquet files, parses each record
 * in its {@link PreferenceFormat} (chat layouts rendered with the tokenizer's chat template), tokenizes each
 * pair under a {@link TruncationPolicy}, and returns
 * <ul>
 *   <li>the kept pairs as {@link TokenizedPreferences}: indexed 0..N-1 by (source file URI, line, pair
 *       index), reference columns unfilled ({@link TokenizedPreferences#NO_REFERENCE});
 *   <li>the rejects, one row per quarantined record (parse stage) or pair (tokenize stage),
 *       {@link RejectsTable#SCHEMA}, for the {@code rejects} table;
 *   <li>the {@link PreparationReport}, checked: every record read is accepted or rejected.
 * </ul>
 * One JSON text file is read by one task (see {@link PreparationPass}); Parquet is split by Spark.
 *
 * <p>Typical use, reusing an earlier run's tokens when nothing changed:
 * <pre>{@code
 * DatasetKey key = PreferenceDataJob.key(spark, settings);
 * TokenizedPreferences data = TokenizedPreferences.loadIfCurrent(spark, path, key).orElseGet(() -> {
 *   PreferenceDataJob.Result fresh = PreferenceDataJob.run(spark, settings, key);
 *   WarehouseTables.write(fresh.rejects(), warehouse, WarehouseTables.REJECTS, date, "dpo_data", runId);
 *   return fresh.data().write(path);
 * });
 * }</pre>
 */
public final class PreferenceDataJob {

  /** Raise when the same inputs would tokenize differently, so stored datasets are not reused. */
  static final int VERSION = 1;

  /**
   * @param inputs files, directories or globs, at any Hadoop URI (see {@link InputFiles})
   * @param tokenizerUri llama2.c {@code .bin}, {@code tokenizer.json} or Hugging Face directory, any Hadoop URI
   * @param truncation how over-long pairs are cut
   * @param format the record layout, {@link PreferenceFormat#AUTO} to detect it per record
   */
  public record Settings(List<String> inputs, String tokenizerUri, TruncationPolicy truncation,
      PreferenceFormat format) {

    public Settings {
      inputs = List.copyOf(inputs);
      if (inputs.isEmpty() || inputs.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException("data inputs must be one or more non-blank paths, got " + inputs);
      }
      Objects.requireNonNull(tokenizerUri, "tokenizerUri");
      Objects.requireNonNull(truncation, "truncation");
      Objects.requireNonNull(format, "format");
    }

    /** Detecting the layout per record. */
    public Settings(List<String> inputs, String tokenizerUri, TruncationPolicy truncation) {
      this(inputs, tokenizerUri, truncation, PreferenceFormat.AUTO);
    }
  }

  /**
   * @param data the tokenized pairs (see {@link TokenizedPreferences}); its rows are persisted
   * @param rejects {@link RejectsTable#SCHEMA} rows, persisted
   * @param report counts per stage and reason
   */
  public record Result(TokenizedPreferences data, Dataset<Row> rejects, PreparationReport report) {

    /** Frees the cached rows of {@code data} and {@code rejects} (they are recomputed if used again). */
    public void unpersist() {
      data.rows().unpersist();
      rejects.unpersist();
    }
  }

  private PreferenceDataJob() {}

  /**
   * The identity of the dataset these settings produce: resolves and hashes the inputs (a Spark job) and
   * hashes the tokenizer.
   */
  public static DatasetKey key(SparkSession spark, Settings settings) {
    List<InputFile> inputs =
        InputFiles.resolve(JavaSparkContext.fromSparkContext(spark.sparkContext()), settings.inputs());
    TokenizerSource tokenizer = TokenizerSource.at(settings.tokenizerUri());
    return new DatasetKey(TokenizedPreferences.KIND, VERSION, tokenizer.contentHash(), settings.truncation(),
        settings.format().configName(), inputs);
  }

  public static Result run(SparkSession spark, Settings settings) {
    return run(spark, settings, key(spark, settings));
  }

  /**
   * Prepares the files of {@code key} (as resolved by {@link #key}).
   *
   * @throws IllegalArgumentException when {@code key} was made from other settings
   * @throws IllegalStateException when records are unaccounted for (see {@link PreparationReport})
   */
  public static Result run(SparkSession spark, Settings settings, DatasetKey key) {
    TokenizerSource tokenizer = new TokenizerSource(settings.tokenizerUri(), key.tokenizerHash());
    DatasetKey expected = new DatasetKey(TokenizedPreferences.KIND, VERSION, key.tokenizerHash(),
        settings.truncation(), settings.format().configName(), key.inputs());
    if (!expected.equals(key)) {
      throw new IllegalArgumentException("dataset key " + key + " does not match settings " + settings);
    }
    PreparationPass.Output output = PreparationPass.run(spark, key.inputs(), tokenizer,
        new Preparation(settings.format(), settings.truncation()),
        (IndexedValue<TokenizedPair> e) -> TokenizedPreferences.row(e.index(), e.position(),
            e.value().chosen().sequence(), e.value().rejected().sequence(), e.value().promptLength()),
        TokenizedPreferences.SCHEMA, "preference data");
    return new Result(new TokenizedPreferences(output.examples(), DatasetManifest.of(key, output.report())),
        output.rejects(), output.report());
  }

  /** Parse with the format's parser, tokenize with the policy; built on each executor. */
  private record Preparation(PreferenceFormat format, TruncationPolicy truncation)
      implements RecordPreparation<PreferencePair, TokenizedPair> {

    @Override
    public Steps<PreferencePair, TokenizedPair> open(Tokenizer tokenizer) {
      RecordParser<PreferencePair> parser =
          new PreferenceRecordParser(format, ExecutorTokenizers.chatRenderer(tokenizer));
      PreferencePairTokenizer pairs = new PreferencePairTokenizer(tokenizer, truncation);
      return new Steps<>() {
        @Override
        public RecordParser<PreferencePair> parser() {
          return parser;
        }

        @Override
        public Parsed<TokenizedPair> tokenize(PreferencePair pair) {
          return pairs.tokenize(pair);
        }

        @Override
        public SourcePosition position(PreferencePair pair) {
          return new SourcePosition(pair.sourceFile(), pair.line(), pair.pairIndex());
        }
      };
    }
  }
}
