package io.aligntune.spark.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.io.PeftAdapterWriter;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.spark.testing.ResumeScratch;
import io.aligntune.train.loop.StepRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The align command's job end to end on data-samples with a random tiny Llama (fast), on local[2]. */
class AlignJobTest {

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
  }

  @AfterAll
  static void stop() {
    spark.stop();
    ExecutorModels.release();
  }

  static AlignTuneConfig config(Path out, String runId, int steps) {
    return config(out, runId, steps, "{rank: 4, alpha: 8, targets: [q, v, o, up]}");
  }

  static AlignTuneConfig config(Path out, String runId, int steps, String lora) {
    return config(out, runId, steps, lora, SAMPLES, 3);
  }

  static final Path SAMPLES = Paths.get("../../data-samples/preferences.jsonl").toAbsolutePath().normalize();

  static AlignTuneConfig config(Path out, String runId, int steps, String lora, Path samples, int checkpointEvery) {
    return AlignTuneConfig.parse("test.yaml", String.join("\n",
        "run: {id: " + runId + ", seed: 3, output_dir: '" + out + "'}",
        "model: {init: {hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4,",
        "        num_key_value_heads: 2, max_position_embeddings: 512, seed: 5}}",
        "align:",
        "  data: ['" + samples + "']",
        "  max_length: 384",
        "  max_prompt_length: 192",
        "  beta: 0.5",
        "  lora: " + lora,
        "  training: {max_steps: " + steps + ", global_batch_size: 8, micro_batch_size: 4, learning_rate: 0.02,",
        "             warmup_steps: 1, checkpoint_every: " + checkpointEvery + ", partitions: 2}",
        ""));
  }

  static AlignJob.Result run(AlignTuneConfig cfg, boolean resume) throws Exception {
    PrintStream console = new PrintStream(new ByteArrayOutputStream());
    return AlignJob.run(spark, cfg, ModelLocation.resolve(cfg.model()), "align", resume, console);
  }

  @Test
  void alignsResumesAndExports(@TempDir Path out) throws Exception {
    // 40 pairs, 8 a step: 5 steps an epoch, so 7 steps cross an epoch boundary; a checkpoint every step
    AlignTuneConfig cfg = config(out, "t1", 7, "{rank: 4, alpha: 8, targets: [q, v, o, up]}", SAMPLES, 1);
    AlignJob.Result full = run(cfg, false);
    assertEquals(7, full.steps().size());
    assertEquals(40, full.data().pairs());
    assertEquals(Math.log(2), full.steps().get(0).metric("loss"), 1e-5, "step 0: policy = reference");
    for (StepRecord r : full.steps()) {
      assertTrue(Double.isFinite(r.metric("loss")), "loss at step " + r.step());
    }

    // the same run id again refuses to silently start over
    IllegalStateException again = assertThrows(IllegalStateException.class, () -> run(cfg, false));
    assertTrue(again.getMessage().contains("--resume"), again.getMessage());

    // crash after step 3 (mid-epoch), then after step 5 (5 × 8 = 40: the epoch boundary, where the next
    // step reshuffles): drop the later checkpoints, resume, and compare every later step
    Path checkpoints = out.resolve("t1/align/checkpoints");
    AlignJob.Result resumed = null;
    for (int crashAfter : new int[] {3, 5}) {
      for (int later = crashAfter + 1; later <= 7; later++) {
        deleteRecursively(checkpoints.resolve(String.format("step-%09d", later)));
      }
      resumed = run(cfg, true);
      assertEquals(crashAfter, resumed.resumedFrom());
      assertEquals(7, resumed.steps().size());
      assertTrue(resumed.data().reused(), "tokenized pairs and reference log-probs are reused on resume");
      double maxLossDiff = 0;
      for (int s = crashAfter; s < 7; s++) {
        double diff = Math.abs(full.steps().get(s).metric("loss") - resumed.steps().get(s).metric("loss"));
        maxLossDiff = Math.max(maxLossDiff, diff);
        assertEquals(full.steps().get(s).metric("loss"), resumed.steps().get(s).metric("loss"), 1e-6, "loss at step " + s);
        assertEquals(full.steps().get(s).metric("learning_rate"), resumed.steps().get(s).metric("learning_rate"), 0);
      }
      System.out.println("[align-resume] from step " + crashAfter + ": max |loss diff| " + maxLossDiff);
    }
    ResumeScratch.assertNoCopyOf(checkpoints.resolve("step-000000005"));

    // train_metrics: written once per (run, phase), replaced on the re-run, read back with Spark SQL
    spark.read().parquet(out.resolve("warehouse/train_metrics").toString()).createOrReplaceTempView("train_metrics");
    List<Row> rows = spark.sql("SELECT step, value FROM train_metrics WHERE run_id = 't1' AND metric = 'loss' ORDER BY step")
        .collectAsList();
    assertEquals(7, rows.size());
    assertEquals(full.steps().get(6).metric("loss"), rows.get(6).getDouble(1), 1e-6);

    // the merged export gives the adapter model's logits
    LoadedWeights merged = ModelCheckpoint.load(Paths.get(full.mergedModel()));
    Map<String, HostTensor> adapter = PeftAdapterWriter.readWeights(Paths.get(resumed.adapter()));
    try (NDManager m = NDManager.newBaseManager();
        LlamaModel base = LlamaModel.random(m, cfg.model().init(), cfg.model().initSeed());
        LlamaModel exported = LlamaModel.create(m, merged.config(), merged.tensors())) {
      base.addLora(cfg.align().lora().lora(), 3);
      base.setParameters(adapter);
      int[] ids = {1, 75, 111, 104, 35, 108, 105, 107, 101, 2};
      float[] a = logits(m, base, ids);
      float[] b = logits(m, exported, ids);
      double max = 0;
      double moved = 0;
      base.setAdaptersEnabled(false);
      float[] untrained = logits(m, base, ids);
      for (int i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i] - b[i]));
        moved = Math.max(moved, Math.abs(a[i] - untrained[i]));
      }
      assertTrue(max < 1e-4, "merged vs adapter logits differ by " + max);
      assertTrue(moved > 1e-3, "training must have changed the model; max change " + moved);
    }
    assertTrue(Files.exists(Paths.get(full.adapter()).resolve("adapter_config.json")));
  }

  @Test
  void fullFineTuningExportsTheTrainedWeightsAndNoAdapter(@TempDir Path out) throws Exception {
    AlignTuneConfig cfg = config(out, "full", 3, "{full_fine_tuning: true}");
    AlignJob.Result result = run(cfg, false);
    assertEquals(3, result.steps().size());
    assertEquals(Math.log(2), result.steps().get(0).metric("loss"), 1e-5, "step 0: policy = reference");
    assertTrue(result.adapter() == null, "full fine-tuning has no adapter to export");
    assertTrue(!Files.exists(out.resolve("full/align/adapter")), "no adapter folder is written");

    // the last checkpoint holds the trained weights (every base weight under full fine-tuning)
    Map<String, HostTensor> trained = io.aligntune.model.io.SafetensorsReader.readAll(
        out.resolve("full/align/checkpoints/step-000000003").resolve(io.aligntune.train.checkpoint.TrainingCheckpoint.WEIGHTS_FILE));
    LoadedWeights merged = ModelCheckpoint.load(Paths.get(result.mergedModel()));
    assertEquals(trained.keySet(), merged.tensors().keySet());
    Map<String, HostTensor> untrained = io.aligntune.model.llama.LlamaWeightNames.randomWeights(cfg.model().init(),
        cfg.model().initSeed());
    double exportDiff = 0;
    double moved = 0;
    for (String name : trained.keySet()) {
      float[] t = trained.get(name).data();
      float[] e = merged.tensors().get(name).data();
      float[] u = untrained.get(name).data();
      assertEquals(java.util.Arrays.toString(trained.get(name).shape()), java.util.Arrays.toString(merged.tensors().get(name).shape()), name);
      for (int i = 0; i < t.length; i++) {
        exportDiff = Math.max(exportDiff, Math.abs(t[i] - e[i]));
        moved = Math.max(moved, Math.abs(t[i] - u[i]));
      }
    }
    System.out.println("[align-full-ft] export vs trained max diff " + exportDiff + ", max weight change " + moved
        + ", losses " + result.steps().stream().map(r -> r.metric("loss")).toList());
    assertEquals(0, exportDiff, "the f32 export holds exactly the trained weights");
    assertTrue(moved > 1e-3, "training must have moved the base weights; max change " + moved);
  }

  @Test
  void resumeWithAnotherBaseModelIsRefusedNamingIt(@TempDir Path out) throws Exception {
    AlignTuneConfig cfg = config(out, "rb", 3);
    run(cfg, false);
    // same config, other starting weights: what a pipeline sees when the phase before it was re-run
    ModelLocation resolved = ModelLocation.resolve(cfg.model());
    ModelLocation other = new ModelLocation(
        io.aligntune.spark.model.ModelSource.random(cfg.model().init(), cfg.model().initSeed() + 1), resolved.tokenizer());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlignJob.run(spark, cfg, other, "align",
        true, new PrintStream(new ByteArrayOutputStream())));
    System.out.println("[resume-refused] " + e.getMessage());
    assertTrue(e.getMessage().contains("the base model"), e.getMessage());
    assertTrue(!e.getMessage().contains("training data") && !e.getMessage().contains("settings"), e.getMessage());
  }

  @Test
  void resumeWithChangedDataIsRefusedNamingIt(@TempDir Path out) throws Exception {
    Path data = out.resolve("pairs.jsonl");
    Files.copy(SAMPLES, data);
    AlignTuneConfig cfg = config(out, "rd", 3, "{rank: 4, alpha: 8, dropout: 0.1, targets: [q, v, o, up]}", data, 3);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    AlignJob.run(spark, cfg, ModelLocation.resolve(cfg.model()), "align", false, new PrintStream(console, true));
    String printed = console.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(1, printed.lines().filter(l -> l.contains("lora.dropout = 0.1 is not applied")).count(), printed);
    List<String> lines = Files.readAllLines(data);
    Files.write(data, lines.subList(0, lines.size() - 1)); // same path, one pair fewer
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(cfg, true));
    System.out.println("[resume-refused] " + e.getMessage());
    assertTrue(e.getMessage().contains("the training data"), e.getMessage());
    assertTrue(!e.getMessage().contains("base model") && !e.getMessage().contains("settings"), e.getMessage());
    ResumeScratch.assertNoCopyOf(out.resolve("rd/align/checkpoints/step-000000003"));
  }

  @Test
  void noSurvivingPairFailsBeforeReferenceLogProbsAreComputed(@TempDir Path out) throws Exception {
    Path data = out.resolve("bad-pairs.jsonl");
    Files.writeString(data, "{\"prompt\": \"a?\", \"chosen\": \"\", \"rejected\": \"no\"}\nnot json\n");
    AlignTuneConfig cfg = config(out, "none", 2, "{rank: 4, alpha: 8, targets: [q, v]}", data, 2);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlignJob.run(spark, cfg,
        ModelLocation.resolve(cfg.model()), "align", false, new PrintStream(console, true)));
    String printed = console.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(e.getMessage().contains("no preference pair survived validation (2 records read, 0 pairs kept, 2 rejected"),
        e.getMessage());
    assertTrue(printed.contains("[align] data: 2 records read, 0 pairs kept, 2 rejected"), printed);
    assertTrue(!printed.contains("reference log-probs"), "nothing scored or stored for 0 pairs: " + printed);
    assertTrue(!Files.exists(out.resolve("none/align/data")), "no stored dataset");
  }

  static float[] logits(NDManager m, LlamaModel model, int[] ids) {
    try (NDManager s = m.newSubManager()) {
      NDArray input = LlamaModel.idsArray(s, List.of(ids), ids.length, 0);
      return model.forward(input, null, null, null, false).toFloatArray();
    }
  }

  static void deleteRecursively(Path p) throws Exception {
    try (var walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
