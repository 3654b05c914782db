package io.aligntune.spark.sft;

import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.config.FinetuneSettings;
import io.aligntune.core.config.TrainingSettings;
import io.aligntune.core.data.sft.SftFormat;
import io.aligntune.core.data.tokenize.PackingPlan;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.SafetensorsDtype;
import io.aligntune.model.lora.LoraWeights;
import io.aligntune.spark.align.PhaseExports;
import io.aligntune.spark.data.DatasetKey;
import io.aligntune.spark.data.DatasetManifest;
import io.aligntune.spark.data.HeldOutSplit;
import io.aligntune.spark.data.SftDataJob;
import io.aligntune.spark.data.TokenizedSftExamples;
import io.aligntune.spark.io.HadoopCheckpointStore;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.resume.ResumePoint;
import io.aligntune.spark.resume.TrainingInputs;
import io.aligntune.spark.tables.TrainMetricsTable;
import io.aligntune.spark.tables.WarehouseTables;
import io.aligntune.train.checkpoint.CheckpointPart;
import io.aligntune.train.checkpoint.CheckpointStore;
import io.aligntune.train.checkpoint.CheckpointWriter;
import io.aligntune.train.checkpoint.TrainingCheckpoint;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.ConsoleProgress;
import io.aligntune.train.loop.MetricsHistory;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.sft.SftExampleRow;
import io.aligntune.train.sft.SftMetricsFormula;
import io.aligntune.train.sft.SftTrainer;
import io.aligntune.train.sft.SftValidation;
import io.aligntune.train.step.AverageOver;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The fine-tuning phase: SFT data → held-out split → distributed SFT (dropout on, loss normalised by the
 * step's supervised tokens) with eval loss every K steps and early stopping that restores the best weights
 * → {@code train_metrics} and a merged model for the next phase. With {@code finetune.packing} the training
 * split is packed into rows of max_length tokens ({@link PackedSftRows}); validation stays unpacked. Starts
 * from the weights it is given (the aligned model in the pipeline).
 *
 * <p>Resuming: every checkpoint holds the trainable weights, the AdamW moments, the step and data cursor,
 * the metrics so far and the early-stopping state (every evaluation, the best one and its weights, the
 * patience count). Run with {@code resume} (the pipeline re-entering an unfinished phase), the job continues
 * from the latest committed checkpoint and makes the steps, evaluations and stopping decision the
 * uninterrupted run would have; its data preparation is reused. A checkpoint made with other finetune
 * settings (packing included), other starting weights or other data is refused before any data is prepared,
 * naming which of the three changed ({@link TrainingInputs}, {@link ResumePoint}).
 */
public final class FinetuneJob {

  /**
   * What a finished fine-tuning produced.
   *
   * @param packing the packing of the training split ({@code finetune.packing}); null when off
   * @param data the counts of the data preparation (records read, kept, rejected per reason)
   * @param trainExamples examples in the training split (before packing)
   * @param heldOut examples held out for the eval loss
   */
  public record Result(String phaseDir, List<StepRecord> steps, String mergedModel, long bestStep, boolean stoppedEarly,
      String dataSummary, long resumedFrom, PackingPlan packing, DatasetManifest data, long trainExamples,
      long heldOut) {}

  private FinetuneJob() {}

  /**
   * @param base the weights to fine-tune (the config's base model, or the aligned model)
   * @param phase name used for folders and table partitions ("finetune")
   * @param resume continue from the phase's latest checkpoint; without it, existing checkpoints are refused
   */
  public static Result run(SparkSession spark, AlignTuneConfig config, ModelLocation base, String phase, boolean resume,
      PrintStream console) throws IOException {
    FinetuneSettings f = config.finetune();
    TrainingSettings t = f.training();
    long seed = config.run().seed();
    String dir = config.run().outputDir() + "/" + config.run().id() + "/" + phase;
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ModelSource policy = f.lora().fullFineTuning() ? base.base().withFullFineTuning()
        : base.base().withLora(f.lora().lora(), seed);

    SftDataJob.Settings settings = new SftDataJob.Settings(f.data(), base.tokenizer(),
        new TruncationPolicy(f.maxLength(), f.maxPromptLength()), SftFormat.fromConfigName(f.format()), io.aligntune.core.data.sft.AlpacaPromptTemplate.STANFORD);
    // the resume check comes before preparing data: a refused resume should not tokenize anything
    DatasetKey key = SftDataJob.key(spark, settings);
    TrainingInputs inputs = TrainingInputs.of(config, "finetune", base.base().contentHash(), key);
    CheckpointStore store = new HadoopCheckpointStore(dir + "/checkpoints");
    Optional<Long> latest = store.latestStep();
    if (latest.isPresent() && !resume) {
      throw new IllegalStateException("run " + config.run().id() + " already has " + phase + " checkpoints in "
          + store.location() + " (last step " + latest.get() + "); resume it or choose a new run.id");
    }
    // the checkpoint's inputs are checked here; its local copy is read again to restore the early-stopping
    // state, which needs the prepared validation split, and deleted right after (by the try on a failure before)
    try (ResumePoint from = latest.isPresent() ? ResumePoint.fetch(store, latest.get(), inputs, config.run().id())
        : null) {
      TokenizedSftExamples data = TokenizedSftExamples.loadIfCurrent(spark, dir + "/data", key).orElse(null);
      if (data == null) {
        SftDataJob.Result prepared = SftDataJob.run(spark, settings, key);
        prepared.report().checkConsistent();
        WarehouseTables.write(prepared.rejects(), config.output().warehouse(), WarehouseTables.REJECTS,
            config.run().date(), phase, config.run().id());
        console.printf("[%s] data: %s%n", phase, prepared.report().describe("examples"));
        data = prepared.data().write(dir + "/data");
      }
      HeldOutSplit split = new HeldOutSplit(f.validationFraction(), seed);
      // packing applies to the training split only, after the held-out split is taken, so the eval loss
      // stays comparable between packed and unpacked runs (it is per token either way)
      JavaRDD<SftExampleRow> trainExamples = reindexed(split.training(data.rows()));
      PackedSftRows packed = f.packing() ? PackedSftRows.pack(jsc, trainExamples, f.maxLength(), t.partitions())
          : null;
      JavaRDD<SftExampleRow> train = (packed != null ? packed.rows() : trainExamples.repartition(t.partitions()))
          .persist(StorageLevel.MEMORY_AND_DISK());
      JavaRDD<SftExampleRow> validation = reindexed(split.validation(data.rows())).repartition(t.partitions())
          .persist(StorageLevel.MEMORY_AND_DISK());
      long trainCount = train.count();
      long validationCount = validation.count();
      if (trainCount == 0) {
        throw new IllegalStateException("no SFT example left for training after validation and the held-out split");
      }
      long trainExampleCount = packed != null ? packed.plan().exampleCount() : trainCount;
      String dataSummary = data.count() + " examples: " + trainExampleCount + " train, " + validationCount
          + " held out";
      console.printf("[%s] %s%n", phase, dataSummary);
      if (packed != null) {
        dataSummary += "; " + packed.plan().summary();
        console.printf("[%s] %s; a step's global_batch_size counts packed rows%n", phase, packed.plan().summary());
      }

      BatchPlan plan = new BatchPlan(trainCount, (int) Math.min(t.globalBatchSize(), trainCount), seed);
      long total = Math.min(t.maxSteps(), SftTrainer.totalSteps(plan, f.maxEpochs()));
      String epochCap = SftTrainer.epochCap(t.maxSteps(), plan, f.maxEpochs());
      if (epochCap != null) {
        console.printf("[%s] %s%n", phase, epochCap);
      }
      SparkSftGradients gradients = new SparkSftGradients(jsc, train, new SparkSftGradients.Settings(policy, plan,
          t.microBatchSize(), seed, f.attentionDropout(), f.residualDropout(), 2, null));
      SftValidation validator = validationCount == 0 ? null
          : new SftValidation(new SparkEvalLoss(jsc, validation, policy, t.microBatchSize()),
              new SftValidation.Settings(f.evalEvery(), f.patience(), 0.0, true, true));

      LoadedWeights baseWeights = PhaseExports.baseWeights(base.base());
      AdamW.Settings adam = new AdamW.Settings(0.9, 0.999, 1e-8, t.weightDecay());
      MetricsHistory history = new MetricsHistory();
      TrainingState state;
      long resumedFrom = 0;
      if (from != null) {
        TrainingCheckpoint ckpt = from.checkpoint();
        long k = ckpt.completedSteps();
        if (k > total || ckpt.epoch() != plan.epochOf(k) || ckpt.stepInEpoch() != k % plan.stepsPerEpoch()) {
          throw new IllegalStateException("run " + config.run().id() + ": checkpoint of step " + k + " in "
              + store.location() + " has data cursor epoch " + ckpt.epoch() + " step " + ckpt.stepInEpoch()
              + " but this run's plan (" + total + " steps, " + plan.stepsPerEpoch() + " per epoch) puts step " + k
              + " elsewhere; the training data changed, use a new run.id");
        }
        history = MetricsHistory.readFrom(from.dir());
        history.truncateTo(k);
        if (validator != null) {
          validator.restoreFrom(from.dir(), k);
        }
        from.close();
        state = new TrainingState(ckpt.weights(), AdamW.resume(adam, name -> true, ckpt.optimizer()), k);
        resumedFrom = k;
        console.printf("[%s] resuming run %s from step %d of %d (%s)%s%n", phase, config.run().id(), k, total,
            store.location(), validator == null || validator.best().isEmpty() ? ""
                : String.format(java.util.Locale.ROOT, ", best eval loss so far %.4f at step %d",
                    validator.best().get().loss(), validator.best().get().completedSteps()));
      } else {
        Map<String, HostTensor> initial = policy.fullFineTuning() ? new LinkedHashMap<>(baseWeights.tensors())
            : LoraWeights.initial(baseWeights.config(), policy.lora(), seed);
        state = new TrainingState(initial, new AdamW(adam, name -> true), 0);
      }
      List<CheckpointPart> parts = new ArrayList<>();
      parts.add(history::writeTo);
      parts.add(inputs);
      if (validator != null) {
        parts.add(validator);
      }
      List<StepListener> listeners = new ArrayList<>();
      listeners.add(history);
      listeners.add(new ConsoleProgress(console, phase));
      listeners.add(new CheckpointWriter(store, t.checkpointEvery(), seed, inputs.hash(), plan, parts));
      SftTrainer trainer = new SftTrainer(new TrainingLoop.Settings(total, t.maxGradNorm(),
          LearningRateSchedule.fromConfig(t.lrScheduler(), t.learningRate(), Math.min(t.warmupSteps(), total - 1),
              total, t.minLrRatio()), AverageOver.TOKENS, SftMetricsFormula.INSTANCE), validator, listeners);
      trainer.run(state, gradients);
      long bestStep = validator == null || validator.best().isEmpty() ? state.completedSteps()
          : validator.best().get().completedSteps();
      if (validator != null) {
        validator.best().ifPresent(b -> console.printf("[%s] best eval loss %.4f at step %d%s%n", phase, b.loss(),
            b.completedSteps(), trainer.stoppedEarly() ? " (stopped early, best weights restored)" : ""));
      }
      WarehouseTables.write(TrainMetricsTable.rows(spark, withEvalLoss(history.records(), validator)),
          config.output().warehouse(), WarehouseTables.TRAIN_METRICS, config.run().date(), phase, config.run().id());

      Map<String, HostTensor> merged = PhaseExports.mergedWeights(baseWeights, policy, state.weights());
      String mergedUri = dir + "/model";
      PhaseExports.writeMerged(mergedUri, baseWeights.config(), merged, SafetensorsDtype.F32, base.tokenizer());
      if (!policy.fullFineTuning() && config.output().exportAdapter()) {
        PhaseExports.writeAdapter(dir + "/adapter", policy.lora(), state.weights(), base.base().describe(),
            SafetensorsDtype.parseWritable(config.output().exportDtype()));
      }
      gradients.release();
      train.unpersist(false);
      validation.unpersist(false);
      if (packed != null) {
        packed.release();
      }
      return new Result(dir, history.records(), mergedUri, bestStep, trainer.stoppedEarly(), dataSummary,
          resumedFrom, packed == null ? null : packed.plan(), data.manifest(), trainExampleCount, validationCount);
    }
  }

  /** Rows of one split as examples with dense indices 0..n-1 (the batch plan selects by index). */
  static JavaRDD<SftExampleRow> reindexed(Dataset<Row> rows) {
    return TokenizedSftExamples.sequences(rows.orderBy("index")).zipWithIndex()
        .map(pair -> SftExampleRow.of(Math.toIntExact(pair._2()), pair._1()));
  }

  /** Step records with the eval loss of the evaluation made after that step, when there was one. */
  static List<StepRecord> withEvalLoss(List<StepRecord> records, SftValidation validator) {
    if (validator == null) {
      return records;
    }
    List<StepRecord> out = new ArrayList<>();
    for (StepRecord r : records) {
      var eval = validator.evaluationAt(r.step() + 1);
      if (eval.isPresent()) {
        Map<String, Double> metrics = new LinkedHashMap<>(r.metrics());
        metrics.put(SftTrainer.EVAL_LOSS, eval.get().loss());
        out.add(new StepRecord(r.step(), r.totalSteps(), metrics, r.seconds()));
      } else {
        out.add(r);
      }
    }
    return out;
  }
}
