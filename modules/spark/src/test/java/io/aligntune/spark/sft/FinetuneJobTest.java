package io.aligntune.spark.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.data.tokenize.PackingPlan;
import io.aligntune.spark.data.HeldOutSplit;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.loop.StepRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fine-tuning phase end to end on {@code local[2]}: {@code conf/quickstart.yaml}'s finetune section
 * (random tiny Llama, byte tokenizer, {@code data-samples/sft.jsonl}) with a few steps, packing on and off.
 */
class FinetuneJobTest {

  static final Path REPO = Paths.get("../..").toAbsolutePath().normalize();
  static final int STEPS = 3;
  static final int MAX_LENGTH = 320;

  @TempDir
  static Path tmp;

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    ExecutorModels.release();
  }

  /** quickstart.yaml, fine-tuning only, absolute paths, output in the temp dir, a few small steps. */
  static AlignTuneConfig config(String runId, boolean packing) throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    ObjectNode doc = (ObjectNode) yaml.readTree(REPO.resolve("conf/quickstart.yaml").toFile());
    ObjectNode run = (ObjectNode) doc.get("run");
    run.put("id", runId);
    run.put("output_dir", tmp.resolve("runs").toString());
    ((ObjectNode) doc.get("output")).put("warehouse", tmp.resolve("warehouse").toString());
    ObjectNode finetune = (ObjectNode) doc.get("finetune");
    finetune.putArray("data").add(REPO.resolve("data-samples/sft.jsonl").toString());
    finetune.put("max_length", MAX_LENGTH);
    finetune.put("packing", packing);
    finetune.put("eval_every", 2);
    ObjectNode training = (ObjectNode) finetune.get("training");
    training.put("max_steps", STEPS);
    training.put("global_batch_size", 2);
    training.put("micro_batch_size", 2);
    return AlignTuneConfig.parse("quickstart.yaml (FinetuneJobTest)", yaml.writeValueAsString(doc));
  }

  static FinetuneJob.Result run(AlignTuneConfig config, ByteArrayOutputStream console) throws Exception {
    try (PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8)) {
      return FinetuneJob.run(spark, config, ModelLocation.resolve(config.model()), "finetune", false, ps);
    }
  }

  @Test
  void withPackingTheTrainingSplitIsPackedTrainsAndReportsItsCounts() throws Exception {
    AlignTuneConfig config = config("packed", true);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    FinetuneJob.Result result = run(config, console);
    String printed = console.toString(StandardCharsets.UTF_8);
    System.out.print(printed);

    assertEquals(STEPS, result.steps().size());
    for (StepRecord step : result.steps()) {
      double loss = step.metrics().get("loss");
      assertTrue(Double.isFinite(loss) && loss > 0, "step " + step.step() + " loss " + loss);
    }

    // the counts, checked against the stored tokenized data and the held-out split taken independently
    List<Row> train = new HeldOutSplit(config.finetune().validationFraction(), config.run().seed())
        .training(spark.read().parquet(result.phaseDir() + "/data")).select("ids").collectAsList();
    long examples = train.size();
    long tokens = train.stream().mapToLong(r -> r.getList(0).size()).sum();
    PackingPlan packing = result.packing();
    assertNotNull(packing);
    assertEquals(examples, packing.exampleCount(), "every training example is packed exactly once");
    assertEquals(tokens, packing.tokens());
    assertEquals(MAX_LENGTH, packing.rowLength());
    assertTrue(packing.rowCount() < examples, packing.summary());
    assertEquals((double) tokens / (packing.rowCount() * (double) MAX_LENGTH), packing.efficiency(), 1e-12);
    assertTrue(printed.contains(packing.summary()), "the counts are reported on the console: " + printed);
    assertTrue(result.dataSummary().contains("rows of " + MAX_LENGTH + " out"), result.dataSummary());
    System.out.printf("[finetune-packing] %s; losses %s%n", packing.summary(),
        result.steps().stream().map(s -> String.format("%.4f", s.metrics().get("loss"))).toList());
  }

  @Test
  void aRunShortenedByMaxEpochsSaysSo() throws Exception {
    // 4 examples, none held out, 2 per step: 2 steps per epoch, so max_epochs 1 stops at 2 of max_steps 5
    Path data = tmp.resolve("four.jsonl");
    java.nio.file.Files.writeString(data, String.join("\n",
        "{\"prompt\": \"a\", \"completion\": \"b\"}", "{\"prompt\": \"c\", \"completion\": \"d\"}",
        "{\"prompt\": \"e\", \"completion\": \"f\"}", "{\"prompt\": \"g\", \"completion\": \"h\"}", ""));
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    ObjectNode doc = (ObjectNode) yaml.readTree(yaml.writeValueAsString(config("capped", false).document()));
    ObjectNode finetune = (ObjectNode) doc.get("finetune");
    finetune.putArray("data").add(data.toString());
    finetune.put("validation_fraction", 0.0);
    finetune.put("max_epochs", 1);
    ((ObjectNode) finetune.get("training")).put("max_steps", 5);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    FinetuneJob.Result result = run(AlignTuneConfig.parse("capped.yaml", yaml.writeValueAsString(doc)), console);
    assertEquals(2, result.steps().size());
    String printed = console.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("[finetune] 2 steps, not max_steps 5: max_epochs 1 × 2 steps per epoch\n"), printed);
  }

  @Test
  void withoutPackingNothingIsPacked() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    FinetuneJob.Result result = run(config("unpacked", false), console);
    assertNull(result.packing());
    assertTrue(!console.toString(StandardCharsets.UTF_8).contains("packing:"));
    assertTrue(!console.toString(StandardCharsets.UTF_8).contains("not max_steps"), "max_steps binds: no cap line");
    assertEquals(STEPS, result.steps().size());
    assertTrue(result.steps().stream().allMatch(s -> Double.isFinite(s.metrics().get("loss"))));
  }
}
