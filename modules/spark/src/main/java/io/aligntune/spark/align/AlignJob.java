package io.aligntune.spark.align;

import io.aligntune.core.config.AlignSettings;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.config.TrainingSettings;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.SafetensorsDtype;
import io.aligntune.model.lora.LoraWeights;
import io.aligntune.spark.data.DatasetKey;
import io.aligntune.spark.dpo.SparkDpoGradients;
import io.aligntune.spark.io.HadoopCheckpointStore;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.resume.ResumePoint;
import io.aligntune.spark.resume.TrainingInputs;
import io.aligntune.spark.tables.TrainMetricsTable;
import io.aligntune.spark.tables.WarehouseTables;
import io.aligntune.train.checkpoint.CheckpointStore;
import io.aligntune.train.checkpoint.CheckpointWriter;
import io.aligntune.train.checkpoint.TrainingCheckpoint;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.loop.ConsoleProgress;
import io.aligntune.train.loop.MetricsFormula;
import io.aligntune.train.loop.MetricsHistory;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.loss.DpoLossType;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
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
import org.apache.spark.sql.SparkSession;

/**
 * {@code aligntune align}: preference data → tokenized pairs with reference log-probs → distributed DPO →
 * checkpoints, {@code train_metrics}, merged model and PEFT adapter. Re-running the same run id resumes from
 * its last checkpoint (when {@code resume} is set) or refuses to overwrite a finished one silently.
 */
public final class AlignJob {

  /** What a finished alignment produced. */
  public record Result(String phaseDir, List<StepRecord> steps, String mergedModel, String adapter,
      PreparedPreferences data, long resumedFrom) {}

  private AlignJob() {}

  public static String phaseDir(AlignTuneConfig config, String phase) {
    return config.run().outputDir() + "/" + config.run().id() + "/" + phase;
  }

  /**
   * @param base the model to align (the config's base model, or another phase's output)
   * @param phase name used for folders and table partitions ("align")
   */
  public static Result run(SparkSession spark, AlignTuneConfig config, ModelLocation base, String phase, boolean resume,
      PrintStream console) throws IOException {
    AlignSettings align = config.align();
    TrainingSettings t = align.training();
    String dir = phaseDir(config, phase);
    long seed = config.run().seed();
    ModelSource policy = align.lora().fullFineTuning()
        ? base.base().withFullFineTuning()
        : base.base().withLora(align.lora().lora(), seed);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    if (policy.lora() != null && policy.lora().dropout() > 0) {
      // DpoGradientComputer scores policy and reference deterministically (as TRL does), so the setting has no
      // effect here; say so rather than let the config suggest otherwise
      console.printf("[%s] note: lora.dropout = %s is not applied: DPO runs its log-prob passes with dropout off%n",
          phase, policy.lora().dropout());
    }

    // the resume check comes before preparing data: a refused resume should not tokenize or score anything
    DatasetKey key = PreparedPreferences.key(spark, config, base);
    TrainingInputs inputs = TrainingInputs.of(config, "align", base.base().contentHash(), key);
    String trainingHash = inputs.hash();
    CheckpointStore store = new HadoopCheckpointStore(dir + "/checkpoints");
    Optional<Long> latest = store.latestStep();
    if (latest.isPresent() && !resume) {
      throw new IllegalStateException("run " + config.run().id() + " already has checkpoints in " + store.location()
          + " (last step " + latest.get() + "); pass --resume to continue it or choose a new run.id");
    }
    TrainingCheckpoint ckpt = null;
    MetricsHistory history = new MetricsHistory();
    if (latest.isPresent()) {
      // the checkpoint is held in memory once read; its local copy (the full weights under full fine-tuning) goes
      try (ResumePoint from = ResumePoint.fetch(store, latest.get(), inputs, config.run().id())) {
        ckpt = from.checkpoint();
        history = MetricsHistory.readFrom(from.dir());
      }
    }

    PreparedPreferences data = PreparedPreferences.prepare(spark, config, base, policy, key, dir, phase, console);
    JavaRDD<DpoExample> examples = data.examples();
    long count = data.count();
    if (count == 0) {
      throw new IllegalStateException("no preference pair survived validation (" + data.summary()
          + "); see the rejects table under " + config.output().warehouse());
    }
    BatchPlan plan = new BatchPlan(count, (int) Math.min(t.globalBatchSize(), count), seed);
    DpoLossConfig loss = lossConfig(align);
    SparkDpoGradients gradients = new SparkDpoGradients(jsc, examples,
        new SparkDpoGradients.Settings(policy, plan, t.microBatchSize(), loss, 2, null));

    AdamW.Settings adam = new AdamW.Settings(0.9, 0.999, 1e-8, t.weightDecay());
    TrainingState state;
    long resumedFrom = 0;
    LoadedWeights baseWeights = null;
    if (ckpt != null) {
      history.truncateTo(ckpt.completedSteps());
      state = new TrainingState(ckpt.weights(), AdamW.resume(adam, name -> true, ckpt.optimizer()), ckpt.completedSteps());
      resumedFrom = ckpt.completedSteps();
      console.printf("[%s] resuming run %s from step %d (%s)%n", phase, config.run().id(), resumedFrom, store.location());
    } else {
      Map<String, HostTensor> initial;
      if (policy.fullFineTuning()) {
        baseWeights = PhaseExports.baseWeights(base.base());
        initial = new LinkedHashMap<>(baseWeights.tensors());
      } else {
        initial = LoraWeights.initial(config0(base), policy.lora(), seed);
      }
      state = new TrainingState(initial, new AdamW(adam, name -> true), 0);
    }

    List<StepListener> listeners = new ArrayList<>();
    listeners.add(history);
    listeners.add(new ConsoleProgress(console, phase));
    listeners.add(new CheckpointWriter(store, t.checkpointEvery(), seed, trainingHash, plan,
        List.of(history::writeTo, inputs)));
    TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(t.maxSteps(), t.maxGradNorm(),
        LearningRateSchedule.fromConfig(t.lrScheduler(), t.learningRate(), t.warmupSteps(), t.maxSteps(), t.minLrRatio()),
        AverageOver.PAIRS, MetricsFormula.dpo()), listeners);
    loop.run(state, gradients);

    WarehouseTables.write(TrainMetricsTable.rows(spark, history.records()), config.output().warehouse(),
        WarehouseTables.TRAIN_METRICS, config.run().date(), phase, config.run().id());

    // exports: the merged model always (the next phase and evaluation load it), the adapter when asked
    if (baseWeights == null) {
      baseWeights = PhaseExports.baseWeights(base.base());
    }
    Map<String, HostTensor> merged = PhaseExports.mergedWeights(baseWeights, policy, state.weights());
    SafetensorsDtype dtype = SafetensorsDtype.parseWritable(config.output().exportDtype());
    String mergedUri = dir + "/model";
    PhaseExports.writeMerged(mergedUri, baseWeights.config(), merged, SafetensorsDtype.F32, base.tokenizer());
    String adapterUri = null;
    if (!policy.fullFineTuning() && config.output().exportAdapter()) {
      adapterUri = dir + "/adapter";
      PhaseExports.writeAdapter(adapterUri, policy.lora(), state.weights(), base.base().describe(), dtype);
    }
    if (dtype != SafetensorsDtype.F32 && config.output().exportMerged()) {
      PhaseExports.writeMerged(dir + "/model-" + config.output().exportDtype(), baseWeights.config(), merged, dtype,
          base.tokenizer());
    }
    gradients.release();
    examples.unpersist(false);
    return new Result(dir, history.records(), mergedUri, adapterUri, data, resumedFrom);
  }

  static io.aligntune.core.model.LlamaConfig config0(ModelLocation base) throws IOException {
    return base.base().randomConfig() != null ? base.base().randomConfig() : PhaseExports.baseWeights(base.base()).config();
  }

  static DpoLossConfig lossConfig(AlignSettings a) {
    return switch (DpoLossType.fromConfig(a.loss())) {
      case SIGMOID -> a.labelSmoothing() > 0 ? DpoLossConfig.conservative(a.beta(), a.labelSmoothing())
          : DpoLossConfig.sigmoid(a.beta());
      case IPO -> DpoLossConfig.ipo(a.beta(), true);
      case HINGE -> DpoLossConfig.hinge(a.beta());
    };
  }
}
