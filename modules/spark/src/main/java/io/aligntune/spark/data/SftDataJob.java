package io.aligntune.spark.data;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.sft.AlpacaPromptTemplate;
import io.aligntune.core.data.sft.SftExample;
import io.aligntune.core.data.sft.SftFormat;
import io.aligntune.core.data.sft.SftRecordParser;
import io.aligntune.core.data.tokenize.SftExampleTokenizer;
import io.aligntune.core.data.tokenize.TokenizedSequence;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.core.text.Tokenizer;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Prepares SFT data, as a Spark job: the counterpart of {@link PreferenceDataJob} for
 * {@code prompt/completion}, {@code messages}, Alpaca ({@code instruction/input/output}, also as one JSON
 * array file like {@code alpaca_data.json}) and plain {@code text} records. Returns the kept examples as
 * {@link TokenizedSftExamples} (indexed 0..N-1 by source file and line), the rejects and the checked
 * {@link PreparationReport}. An SFT record yields at most one example, so the tokenize stage reads exactly
 * the records parsing accepted.
 */
public final class SftDataJob {

  /** Raise when the same inputs would tokenize differently, so stored datasets are not reused. */
  static final int VERSION = 1;

  /**
   * @param inputs files, directories or globs, at any Hadoop URI (see {@link InputFiles})
   * @param tokenizerUri llama2.c {@code .bin}, {@code tokenizer.json} or Hugging Face directory, any Hadoop URI
   * @param truncation how over-long examples are cut
   * @param format the record layout, {@link SftFormat#AUTO} to detect it per record
   * @param alpacaTemplate the prompt template of Alpaca records
   */
  public record Settings(List<String> inputs, String tokenizerUri, TruncationPolicy truncation, SftFormat format,
      AlpacaPromptTemplate alpacaTemplate) {

    public Settings {
      inputs = List.copyOf(inputs);
      if (inputs.isEmpty() || inputs.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException("data inputs must be one or more non-blank paths, got " + inputs);
      }
      Objects.requireNonNull(tokenizerUri, "tokenizerUri");
      Objects.requireNonNull(truncation, "truncation");
      Objects.requireNonNull(format, "format");
      Objects.requireNonNull(alpacaTemplate, "alpacaTemplate");
    }

    /** Detecting the layout per record, with the original Stanford Alpaca template. */
    public Settings(List<String> inputs, String tokenizerUri, TruncationPolicy truncation) {
      this(inputs, tokenizerUri, truncation, SftFormat.AUTO, AlpacaPromptTemplate.STANFORD);
    }

    String recordFormat() {
      return format.configName() + "/" + alpacaTemplate.name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param data the tokenized examples; its rows are persisted
   * @param rejects {@link RejectsTable#SCHEMA} rows, persisted
   * @param report counts per stage and reason
   */
  public record Result(TokenizedSftExamples data, Dataset<Row> rejects, PreparationReport report) {

    /** Frees the cached rows of {@code data} and {@code rejects} (they are recomputed if used again). */
    public void unpersist() {
      data.rows().unpersist();
      rejects.unpersist();
    }
  }

  private SftDataJob() {}

  /** The identity of the dataset these settings produce (hashes inputs and tokenizer). */
  public static DatasetKey key(SparkSession spark, Settings settings) {
    List<InputFile> inputs =
        InputFiles.resolve(JavaSparkContext.fromSparkContext(spark.sparkContext()), settings.inputs());
    TokenizerSource tokenizer = TokenizerSource.at(settings.tokenizerUri());
    return new DatasetKey(TokenizedSftExamples.KIND, VERSION, tokenizer.contentHash(), settings.truncation(),
        settings.recordFormat(), inputs);
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
    DatasetKey expected = new DatasetKey(TokenizedSftExamples.KIND, VERSION, key.tokenizerHash(),
        settings.truncation(), settings.recordFormat(), key.inputs());
    if (!expected.equals(key)) {
      throw new IllegalArgumentException("dataset key " + key + " does not match settings " + settings);
    }
    PreparationPass.Output output = PreparationPass.run(spark, key.inputs(), tokenizer,
        new Preparation(settings.format(), settings.alpacaTemplate(), settings.truncation()),
        (IndexedValue<TokenizedSequence> e) -> TokenizedSftExamples.row(e.index(), e.position(), e.value()),
        TokenizedSftExamples.SCHEMA, "SFT data");
    return new Result(new TokenizedSftExamples(output.examples(), DatasetManifest.of(key, output.report())),
        output.rejects(), output.report());
  }

  private record Preparation(SftFormat format, AlpacaPromptTemplate alpacaTemplate, TruncationPolicy truncation)
      implements RecordPreparation<SftExample, TokenizedSequence> {

    @Override
    public Steps<SftExample, TokenizedSequence> open(Tokenizer tokenizer) {
      RecordParser<SftExample> parser =
          new SftRecordParser(format, ExecutorTokenizers.chatRenderer(tokenizer), alpacaTemplate);
      SftExampleTokenizer examples = new SftExampleTokenizer(tokenizer, truncation);
      return new Steps<>() {
        @Override
        public RecordParser<SftExample> parser() {
          return parser;
        }

        @Override
        public Parsed<TokenizedSequence> tokenize(SftExample example) {
          return examples.tokenize(example);
        }

        @Override
        public SourcePosition position(SftExample example) {
          return new SourcePosition(example.sourceFile(), example.line(), 0);
        }
      };
    }
  }
}
