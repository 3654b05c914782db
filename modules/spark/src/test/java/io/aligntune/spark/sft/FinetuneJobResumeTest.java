package io.aligntune.spark.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.testing.CrashingConsole;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.spark.testing.ResumeScratch;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.sft.SftTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fine-tuning phase on local[2] with a tiny random Llama, LoRA, attention and residual dropout and early
 * stopping: a run whose driver dies after step k (before that step's checkpoint) and is run again resumes
 * from its last checkpoint and reproduces the uninterrupted run: every step's loss (1e-6) and learning rate
 * (exactly), every eval loss, the stopping decision and best step, and the final weights (1e-6).
 */
class FinetuneJobResumeTest {

  static SparkSession spark;
  static final int EPOCHS = 12;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
  }

  @AfterAll
  static void stop() {
    spark.stop();
    ExecutorModels.release();
  }

  static final Path SAMPLES = Paths.get("../../data-samples/sft.jsonl").toAbsolutePath().normalize();

  static AlignTuneConfig config(Path out, String runId, double learningRate) {
    return config(out, runId, learningRate, SAMPLES);
  }

  static AlignTuneConfig config(Path out, String runId, double learningRate, Path samples) {
    return AlignTuneConfig.parse("finetune-resume-test.yaml", String.join("\n",
        "run: {id: " + runId + ", seed: 3, output_dir: '" + out + "', date: '2026-12-01'}",
        "model: {init: {hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4,",
        "        num_key_value_heads: 2, max_position_embeddings: 512, seed: 5}}",
        "finetune:",
        "  data: ['" + samples + "']",
        "  max_length: 200",
        "  max_prompt_length: 120",
        "  lora: {rank: 4, alpha: 8, dropout: 0.1, targets: [q, v, o, up]}",
        "  validation_fraction: 0.25",
        "  eval_every: 2",
        "  patience: 2",
        "  max_epochs: " + EPOCHS,
        "  attention_dropout: 0.1",
        "  residual_dropout: 0.1",
        "  training: {max_steps: 1000, global_batch_size: 6, micro_batch_size: 3, learning_rate: " + learningRate + ",",
        "             warmup_steps: 1, checkpoint_every: 1, partitions: 2}",
        ""));
  }

  /** High for a tiny model on purpose: the eval loss goes up and down, so patience counts run and reset. */
  static final double LR = 0.3;

  static FinetuneJob.Result run(AlignTuneConfig cfg, boolean resume, CrashingConsole console) throws Exception {
    return FinetuneJob.run(spark, cfg, ModelLocation.resolve(cfg.model()), "finetune", resume, console);
  }

  /**
   * Runs {@code runId} until the driver "dies" after step {@code crashAfter} was applied, before its
   * checkpoint (checkpoint_every 1: the last committed one is step crashAfter − 1); returns what it printed.
   */
  static String crash(Path out, String runId, long crashAfter) {
    return crash(config(out, runId, LR), crashAfter);
  }

  static String crash(AlignTuneConfig cfg, long crashAfter) {
    CrashingConsole console = new CrashingConsole("[finetune] step " + crashAfter + "/");
    assertThrows(CrashingConsole.SimulatedCrash.class, () -> run(cfg, false, console));
    // what a dead driver leaves in memory is gone with it; here, free the cached data of the dead job
    JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs().values().forEach(r -> r.unpersist(false));
    return console.text();
  }

  @Test
  void crashedRunsResumeAndReproduceTheUninterruptedRun(@TempDir Path out) throws Exception {
    FinetuneJob.Result full = run(config(out, "full", LR), false, new CrashingConsole(null));
    List<StepRecord> steps = full.steps();
    long total = steps.get(0).totalSteps();
    long stepsPerEpoch = total / EPOCHS;
    List<long[]> evals = new ArrayList<>(); // {completed steps, patience count after it}
    double best = Double.POSITIVE_INFINITY;
    int count = 0;
    for (StepRecord r : steps) {
      if (r.metrics().containsKey(SftTrainer.EVAL_LOSS)) {
        double loss = r.metric(SftTrainer.EVAL_LOSS);
        count = loss < best ? 0 : count + 1;
        best = Math.min(best, loss);
        evals.add(new long[] {r.step() + 1, count});
      }
    }
    System.out.println("[finetune-resume] " + steps.size() + " of " + total + " steps (" + stepsPerEpoch
        + " per epoch), best step " + full.bestStep() + ", stopped early " + full.stoppedEarly() + ", eval losses "
        + steps.stream().filter(r -> r.metrics().containsKey(SftTrainer.EVAL_LOSS))
            .map(r -> (r.step() + 1) + ":" + String.format("%.4f", r.metric(SftTrainer.EVAL_LOSS))).toList());
    assertTrue(full.stoppedEarly(), "the fixture must stop early for the test to cover early stopping");
    assertTrue(full.bestStep() > 0 && full.bestStep() < steps.size(), "best step mid-run: " + full.bestStep());

    // resume points: the first and the last evaluation that left the patience count above 0 (before the
    // stop), and the last epoch boundary before the stop
    long[] midPatience = evals.stream().filter(e -> e[1] > 0 && e[0] < steps.size()).mapToLong(e -> e[0]).toArray();
    assertTrue(midPatience.length > 0, "no evaluation without improvement before the stop");
    long epochBoundary = stepsPerEpoch * ((steps.size() - 1) / stepsPerEpoch);
    assertTrue(epochBoundary > 0 && epochBoundary < steps.size(), "epoch boundary " + epochBoundary);
    long[] resumePoints = java.util.stream.LongStream.of(midPatience[0], midPatience[midPatience.length - 1],
        epochBoundary).distinct().toArray();
    System.out.println("[finetune-resume] resume points " + java.util.Arrays.toString(resumePoints));
    Map<String, HostTensor> fullWeights = ModelCheckpoint.load(Paths.get(full.mergedModel())).tensors();

    for (long resumeAt : resumePoints) {
      String id = "crash" + resumeAt;
      String crashed = crash(out, id, resumeAt + 1);
      assertTrue(crashed.contains("[finetune] step " + resumeAt + "/" + total + " "), crashed);

      CrashingConsole console = new CrashingConsole(null);
      FinetuneJob.Result resumed = run(config(out, id, LR), true, console);
      String log = console.text();
      assertEquals(resumeAt, resumed.resumedFrom(), log);
      assertTrue(log.contains("[finetune] resuming run " + id + " from step " + resumeAt + " of " + total), log);
      assertFalse(log.contains("[finetune] step " + resumeAt + "/"), "steps before the checkpoint are not redone");

      assertEquals(steps.size(), resumed.steps().size(), "steps, resumed at " + resumeAt);
      double maxLossDiff = 0;
      for (int s = 0; s < steps.size(); s++) {
        StepRecord a = steps.get(s);
        StepRecord b = resumed.steps().get(s);
        assertEquals(a.step(), b.step());
        maxLossDiff = Math.max(maxLossDiff, Math.abs(a.metric("loss") - b.metric("loss")));
        assertEquals(a.metric("loss"), b.metric("loss"), 1e-6, "loss at step " + s + ", resumed at " + resumeAt);
        assertEquals(a.metric("learning_rate"), b.metric("learning_rate"), 0, "lr at step " + s);
        assertEquals(a.metrics().containsKey(SftTrainer.EVAL_LOSS), b.metrics().containsKey(SftTrainer.EVAL_LOSS),
            "evaluated after step " + s);
        if (a.metrics().containsKey(SftTrainer.EVAL_LOSS)) {
          assertEquals(a.metric(SftTrainer.EVAL_LOSS), b.metric(SftTrainer.EVAL_LOSS), 1e-6, "eval loss after " + s);
        }
      }
      assertEquals(full.stoppedEarly(), resumed.stoppedEarly());
      assertEquals(full.bestStep(), resumed.bestStep(), "best step, resumed at " + resumeAt);
      double diff = maxDiff(fullWeights, ModelCheckpoint.load(Paths.get(resumed.mergedModel())).tensors());
      System.out.println("[finetune-resume] resumed at " + resumeAt + ": max |loss diff| " + maxLossDiff
          + ", final weights differ by at most " + diff);
      assertTrue(diff <= 1e-6, "final weights differ by " + diff);

      // train_metrics holds each step once for this run and phase
      spark.read().parquet(out.resolve("warehouse/train_metrics").toString()).createOrReplaceTempView("train_metrics");
      List<Row> duplicated = spark.sql("SELECT step, metric FROM train_metrics WHERE run_id = '" + id
          + "' AND phase = 'finetune' GROUP BY step, metric HAVING count(*) > 1").collectAsList();
      assertEquals(List.of(), duplicated);
      assertEquals(steps.size(), spark.sql("SELECT step FROM train_metrics WHERE run_id = '" + id
          + "' AND metric = 'loss'").count());
    }
  }

  @Test
  void aCheckpointOfOtherSettingsIsRefusedNamingTheSettingsRunAndCheckpoint(@TempDir Path out) throws Exception {
    crash(out, "refuse", 3);
    Path checkpoint = out.resolve("refuse/finetune/checkpoints/step-000000002");
    IllegalStateException changed = assertThrows(IllegalStateException.class,
        () -> run(config(out, "refuse", LR * 2), true, new CrashingConsole(null)));
    String message = changed.getMessage();
    System.out.println("[finetune-resume-refused] " + message);
    assertTrue(message.contains("run refuse") && message.contains("refuse/finetune/checkpoints/step-000000002"),
        message);
    assertTrue(message.contains("this run changed the settings (finetune or model section, or run.seed)"), message);
    assertFalse(message.contains("base model") || message.contains("training data"), message);
    ResumeScratch.assertNoCopyOf(checkpoint);
    IllegalStateException notResuming = assertThrows(IllegalStateException.class,
        () -> run(config(out, "refuse", LR), false, new CrashingConsole(null)));
    assertTrue(notResuming.getMessage().contains("already has finetune checkpoints"), notResuming.getMessage());
    // with its own settings it resumes (crashedRunsResumeAndReproduceTheUninterruptedRun compares its losses)
    assertEquals(2, run(config(out, "refuse", LR), true, new CrashingConsole(null)).resumedFrom());
    ResumeScratch.assertNoCopyOf(checkpoint);
  }

  @Test
  void resumeFromAnotherBaseModelIsRefusedNamingIt(@TempDir Path out) throws Exception {
    AlignTuneConfig cfg = config(out, "rb", LR);
    crash(cfg, 3);
    // same config, other starting weights: what the pipeline sees when the align phase before it was re-run
    ModelLocation resolved = ModelLocation.resolve(cfg.model());
    ModelLocation other = new ModelLocation(ModelSource.random(cfg.model().init(), cfg.model().initSeed() + 1),
        resolved.tokenizer());
    CrashingConsole console = new CrashingConsole(null);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> FinetuneJob.run(spark, cfg, other, "finetune", true, console));
    System.out.println("[finetune-resume-refused] " + e.getMessage());
    assertTrue(e.getMessage().contains("this run changed the base model (content hash "), e.getMessage());
    assertFalse(e.getMessage().contains("training data") || e.getMessage().contains("settings"), e.getMessage());
    assertEquals("", console.text(), "refused before preparing data or loading weights");
    ResumeScratch.assertNoCopyOf(out.resolve("rb/finetune/checkpoints/step-000000002"));
  }

  @Test
  void resumeWithChangedDataAtTheSamePathIsRefusedNamingIt(@TempDir Path out) throws Exception {
    Path data = out.resolve("sft.jsonl");
    Files.copy(SAMPLES, data);
    AlignTuneConfig cfg = config(out, "rd", LR, data);
    crash(cfg, 3);
    List<String> lines = Files.readAllLines(data);
    Files.write(data, lines.subList(0, lines.size() - 1)); // same path, one example fewer
    CrashingConsole console = new CrashingConsole(null);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(cfg, true, console));
    System.out.println("[finetune-resume-refused] " + e.getMessage());
    assertTrue(e.getMessage().contains("this run changed the training data"), e.getMessage());
    assertFalse(e.getMessage().contains("base model") || e.getMessage().contains("settings"), e.getMessage());
    assertEquals("", console.text(), "refused before preparing data (no '[finetune] data:' line)");
    ResumeScratch.assertNoCopyOf(out.resolve("rd/finetune/checkpoints/step-000000002"));
  }

  static double maxDiff(Map<String, HostTensor> a, Map<String, HostTensor> b) {
    assertEquals(a.keySet(), b.keySet());
    double max = 0;
    for (String k : a.keySet()) {
      float[] x = a.get(k).data();
      float[] y = b.get(k).data();
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs(x[i] - y[i]));
      }
    }
    return max;
  }
}
