package io.aligntune.spark.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.TaskCompletionListener;

/**
 * The Spark pass shared by the preference and SFT data jobs: read every input file, parse and tokenize each
 * record on the executors, then index the kept values densely and collect rejects and counts.
 *
 * <p><b>Tasks.</b> Each JSON text file is read by exactly one task, start to end ({@link TextFileRecords}:
 * line numbers need every earlier line), so a job's parallelism over JSONL is its number of files; split
 * a very large file into parts to spread it. Parquet is read by Spark (split by row group as it likes),
 * positions coming from the file itself ({@link ParquetRecords}).
 *
 * <p><b>Order and indexes.</b> Kept values are sorted by {@link SourcePosition} (file URI, line, pair index)
 * and numbered 0..N-1 with {@code zipWithIndex}: a pure function of the input files, not of partitioning.
 *
 * <p><b>Accounting.</b> Each task counts what it emits; the driver merges the counts and fails the job if
 * a record is unaccounted for ({@link PreparationReport#checkConsistent()}), or if the counted examples or
 * rejects differ from those actually produced.
 */
final class PreparationPass {

  /**
   * @param examples one row per kept value, in the job's table schema; persisted (memory and disk)
   * @param rejects rows of {@link RejectsTable#SCHEMA}; persisted
   * @param report counts, checked consistent with the two above
   */
  record Output(Dataset<Row> examples, Dataset<Row> rejects, PreparationReport report) {}

  private PreparationPass() {}

  /**
   * @param toRow turns an indexed value into a row of {@code schema}
   * @param description names the job's stages in the Spark UI
   */
  static <V, T> Output run(SparkSession spark, List<InputFile> files, TokenizerSource tokenizer,
      RecordPreparation<V, T> preparation, Function<IndexedValue<T>, Row> toRow, StructType schema,
      String description) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> textFiles = new ArrayList<>();
    List<String> parquetFiles = new ArrayList<>();
    for (InputFile file : files) {
      (file.container() == InputFile.Container.PARQUET ? parquetFiles : textFiles).add(file.uri());
    }
    List<JavaRDD<RecordOutcome<T>>> parts = new ArrayList<>();
    if (!textFiles.isEmpty()) {
      Broadcast<SerializableHadoopConf> conf = jsc.broadcast(new SerializableHadoopConf(jsc.hadoopConfiguration()));
      parts.add(jsc.parallelize(textFiles, textFiles.size())
          .mapPartitions(uris -> textOutcomes(uris, conf.value(), tokenizer, preparation)));
    }
    if (!parquetFiles.isEmpty()) {
      Dataset<Row> rows = ParquetRecords.read(spark, parquetFiles);
      StructType parquetSchema = rows.schema();
      parts.add(rows.javaRDD().mapPartitions(it -> parquetOutcomes(it, parquetSchema, tokenizer, preparation)));
    }
    JavaRDD<RecordOutcome<T>> outcomes = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      outcomes = outcomes.union(parts.get(i));
    }
    outcomes.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      jsc.setJobDescription(description + ": read, parse and tokenize " + files.size() + " file(s)");
      PreparationReport report = outcomes.flatMap(PreparationPass::countsOf)
          .treeAggregate(PreparationReport.empty(), PreparationReport::merge, PreparationReport::merge, 2)
          .checkConsistent();

      jsc.setJobDescription(description + ": index " + report.examples() + " examples");
      JavaRDD<Row> exampleRows = outcomes.flatMap(PreparationPass::preparedOf)
          .sortBy(RecordOutcome.Prepared::position, true, outcomes.getNumPartitions())
          .zipWithIndex()
          .map(indexed -> toRow.call(new IndexedValue<>(indexed._2(), indexed._1().position(), indexed._1().value())));
      Dataset<Row> examples = spark.createDataFrame(exampleRows, schema).persist(StorageLevel.MEMORY_AND_DISK());
      long exampleCount = examples.count();

      jsc.setJobDescription(description + ": collect " + report.rejectedTotal() + " rejects");
      Dataset<Row> rejects = spark.createDataFrame(outcomes.flatMap(PreparationPass::rejectRowOf), RejectsTable.SCHEMA)
          .persist(StorageLevel.MEMORY_AND_DISK());
      long rejectCount = rejects.count();

      if (exampleCount != report.examples() || rejectCount != report.rejectedTotal()) {
        examples.unpersist();
        rejects.unpersist();
        throw new IllegalStateException("data preparation produced " + exampleCount + " examples and " + rejectCount
            + " rejects but counted " + report.examples() + " and " + report.rejectedTotal() + ": " + report);
      }
      return new Output(examples, rejects, report);
    } finally {
      outcomes.unpersist(false);
    }
  }

  private static <V, T> Iterator<RecordOutcome<T>> textOutcomes(Iterator<String> uris, SerializableHadoopConf conf,
      TokenizerSource tokenizer, RecordPreparation<V, T> preparation) {
    RecordPreparation.Steps<V, T> steps = preparation.open(ExecutorTokenizers.get(tokenizer));
    TextFileRecords<V> records = new TextFileRecords<>(uris, conf.get(), steps.parser());
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) context -> records.close());
    }
    return new OutcomeIterator<>(records, steps, records::blankLines);
  }

  private static <V, T> Iterator<RecordOutcome<T>> parquetOutcomes(Iterator<Row> rows, StructType schema,
      TokenizerSource tokenizer, RecordPreparation<V, T> preparation) {
    RecordPreparation.Steps<V, T> steps = preparation.open(ExecutorTokenizers.get(tokenizer));
    return new OutcomeIterator<>(ParquetRecords.parse(rows, schema, steps.parser()), steps);
  }

  private static <T> Iterator<PreparationReport> countsOf(RecordOutcome<T> outcome) {
    return outcome instanceof RecordOutcome.Counts<T> counts
        ? List.of(counts.report()).iterator() : Collections.emptyIterator();
  }

  private static <T> Iterator<RecordOutcome.Prepared<T>> preparedOf(RecordOutcome<T> outcome) {
    return outcome instanceof RecordOutcome.Prepared<T> prepared
        ? List.of(prepared).iterator() : Collections.emptyIterator();
  }

  private static <T> Iterator<Row> rejectRowOf(RecordOutcome<T> outcome) {
    return outcome instanceof RecordOutcome.Rejected<T> rejected
        ? List.of(RejectsTable.row(rejected.reject(), rejected.stage())).iterator() : Collections.emptyIterator();
  }
}
