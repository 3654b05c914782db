package io.aligntune.spark.align;

import io.aligntune.core.config.AlignSettings;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.data.preference.PreferenceFormat;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.spark.data.DatasetKey;
import io.aligntune.spark.data.DatasetManifest;
import io.aligntune.spark.data.PreferenceDataJob;
import io.aligntune.spark.data.TokenizedPreferences;
import io.aligntune.spark.dpo.ReferenceLogProbJob;
import io.aligntune.spark.progress.AccumulatorProgress;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.tables.WarehouseTables;
import io.aligntune.train.dpo.DpoExample;
import java.io.PrintStream;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The training pairs of an alignment phase: validated, tokenized, with reference log-probs, stored as
 * Parquet under the phase folder and reused by a later run with the same inputs, tokenizer, truncation and
 * reference model (a resumed run does not tokenize or score again).
 *
 * @param examples cached, partitioned as the config asks
 * @param count number of pairs
 * @param manifest counts of the preparation (rows read, accepted, rejected per reason)
 * @param reused whether a stored dataset was reused
 */
public record PreparedPreferences(JavaRDD<DpoExample> examples, long count, DatasetManifest manifest, boolean reused) {

  /** How often the reference pass reports progress (executor heartbeats bring news every 10 s by default). */
  static final java.time.Duration PROGRESS_EVERY = java.time.Duration.ofSeconds(15);

  static PreferenceDataJob.Settings settings(AlignTuneConfig config, ModelLocation base) {
    AlignSettings align = config.align();
    return new PreferenceDataJob.Settings(align.data(), base.tokenizer(),
        new TruncationPolicy(align.maxLength(), align.maxPromptLength()), PreferenceFormat.fromConfigName(align.format()));
  }

  /** The identity of the phase's dataset (hashes the input files; cheap next to preparing them). */
  static DatasetKey key(SparkSession spark, AlignTuneConfig config, ModelLocation base) {
    return PreferenceDataJob.key(spark, settings(config, base));
  }

  /**
   * @param key from {@link #key}, computed once so the resume check and the preparation agree
   * @throws IllegalStateException when no pair survives validation, before any reference log-prob is computed
   */
  static PreparedPreferences prepare(SparkSession spark, AlignTuneConfig config, ModelLocation base, ModelSource policy,
      DatasetKey key, String phaseDir, String phase, PrintStream console) {
    AlignSettings align = config.align();
    PreferenceDataJob.Settings settings = settings(config, base);
    String dataPath = phaseDir + "/data";
    // the reference is the base model: with LoRA it is the policy with adapters off
    String referenceModel = base.base().contentHash();
    Optional<TokenizedPreferences> stored = TokenizedPreferences.loadIfCurrent(spark, dataPath, key)
        .filter(TokenizedPreferences::hasReferences)
        .filter(t -> referenceModel.equals(t.manifest().referenceModel()));
    TokenizedPreferences data;
    boolean reused = stored.isPresent();
    if (reused) {
      data = stored.get();
      console.printf("[%s] reusing tokenized pairs with reference log-probs: %s%n", phase, dataPath);
    } else {
      PreferenceDataJob.Result prepared = PreferenceDataJob.run(spark, settings, key);
      prepared.report().checkConsistent();
      WarehouseTables.write(prepared.rejects(), config.output().warehouse(), WarehouseTables.REJECTS,
          config.run().date(), phase, config.run().id());
      console.printf("[%s] data: %s%n", phase, prepared.report().describe("pairs"));
      if (prepared.report().examples() == 0) { // before scoring: nothing to compute reference log-probs for
        throw new IllegalStateException("no preference pair survived validation (" + prepared.report().describe("pairs")
            + "); see the rejects table under " + config.output().warehouse());
      }
      int partitions = align.training().partitions();
      JavaRDD<DpoExample> unscored = prepared.data().examples().repartition(partitions);
      LongAccumulator scoredPairs = spark.sparkContext().longAccumulator("reference pairs scored");
      JavaRDD<DpoExample> scored = ReferenceLogProbJob.run(unscored, policy, align.training().microBatchSize(),
          scoredPairs);
      // one task per partition scores for minutes on a real dataset: say how far it is
      try (AccumulatorProgress progress = AccumulatorProgress.watch(spark.sparkContext(), scoredPairs,
          prepared.report().examples(), "[" + phase + "] reference log-probs", console, PROGRESS_EVERY)) {
        data = prepared.data().withReferences(scored, referenceModel).write(dataPath);
      }
      console.printf("[%s] reference log-probs computed once (adapters off) and stored: %s%n", phase, dataPath);
    }
    JavaRDD<DpoExample> examples = data.examples().repartition(align.training().partitions())
        .persist(StorageLevel.MEMORY_AND_DISK());
    return new PreparedPreferences(examples, examples.count(), data.manifest(), reused);
  }

  /** Pairs available for training. */
  public long pairs() {
    return count;
  }

  public String summary() {
    DatasetManifest.StageCounts p = manifest.parsing();
    DatasetManifest.StageCounts t = manifest.tokenizing();
    return String.format("%d records read, %d pairs kept, %d rejected while parsing%s, %d rejected after tokenizing%s%s%s",
        p.read(), count, p.rejected(), reasons(p.rejectsByReason()), t.rejected(), reasons(t.rejectsByReason()),
        p.blankLines() > 0 ? "; " + p.blankLines() + " blank lines skipped" : "", reused ? " (reused)" : "");
  }

  /** " (empty_field: 4, prompt_not_shared: 5)", or "" when there are none. */
  private static String reasons(java.util.Map<String, Long> byReason) {
    if (byReason.isEmpty()) {
      return "";
    }
    java.util.StringJoiner joined = new java.util.StringJoiner(", ", " (", ")");
    new java.util.TreeMap<>(byReason).forEach((reason, n) -> joined.add(reason + ": " + n));
    return joined.toString();
  }
}
