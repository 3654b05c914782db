package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.testing.CrashingConsole;
import io.aligntune.spark.testing.LocalClusterSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aligntune run} whose driver dies in the middle of the finetune phase, run again: the finished
 * phases are reused, finetune resumes at the step of its last checkpoint (and says so), its losses equal an
 * uninterrupted run's, and {@code train_metrics} holds each of its steps once.
 */
class PipelineResumeTest {

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

  static AlignTuneConfig config(Path out, String id) {
    String samples = Paths.get("../../data-samples").toAbsolutePath().normalize().toString();
    return AlignTuneConfig.parse("resume-test.yaml", String.join("\n",
        "run: {id: " + id + ", seed: 5, output_dir: '" + out + "', date: '2026-12-01'}",
        "model: {init: {hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4,",
        "        num_key_value_heads: 2, max_position_embeddings: 512, seed: 9}}",
        "evaluation:",
        "  suites: [{path: '" + samples + "/eval_suite.jsonl', format: jsonl}]",
        "  max_new_tokens: 4",
        "  batch_size: 10",
        "gates: {pass_rate_threshold: 0.0, max_drop_points: 100, diversity_floor: 0.0, force_alignment: true}",
        "align:",
        "  data: ['" + samples + "/preferences.jsonl']",
        "  max_length: 320",
        "  max_prompt_length: 160",
        "  lora: {rank: 2, alpha: 4, targets: [q, v]}",
        "  training: {max_steps: 2, global_batch_size: 8, micro_batch_size: 8, checkpoint_every: 1}",
        "finetune:",
        "  data: ['" + samples + "/sft.jsonl']",
        "  max_length: 320",
        "  max_prompt_length: 192",
        "  lora: {rank: 2, alpha: 4, targets: [q, v]}",
        "  eval_every: 1",
        "  patience: 10",
        "  training: {max_steps: 4, global_batch_size: 8, micro_batch_size: 4, learning_rate: 0.01,",
        "             checkpoint_every: 1}",
        ""));
  }

  @Test
  void aRunThatDiedMidFinetuneResumesAtItsStepWithoutDuplicatedMetrics(@TempDir Path out) throws Exception {
    // the driver dies after finetune step 3 was applied, before its checkpoint: step 2's is the last one
    CrashingConsole dying = new CrashingConsole("[finetune] step 3/4");
    assertThrows(CrashingConsole.SimulatedCrash.class, () -> PipelineJob.run(spark, config(out, "r1"), dying));
    JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs().values().forEach(r -> r.unpersist(false));
    assertTrue(dying.text().contains("[finetune] step 2/4"), dying.text());
    assertTrue(Files.exists(out.resolve("r1/finetune/checkpoints/step-000000002/_COMMITTED")));
    assertFalse(Files.exists(out.resolve("r1/finetune/checkpoints/step-000000003")));
    assertFalse(Files.exists(out.resolve("r1/finetune/" + PhaseLedger.MARKER)), "finetune did not finish");

    CrashingConsole again = new CrashingConsole(null);
    PipelineJob.Outcome outcome = PipelineJob.run(spark, config(out, "r1"), again);
    String log = again.text();
    assertTrue(outcome.promoted(), log);
    assertTrue(log.contains("[run] evaluate_base: already done") && log.contains("[run] align: already done")
        && log.contains("[run] evaluate_aligned: already done"), log);
    assertTrue(log.contains("[finetune] resuming run r1 from step 2 of 4"), log);
    assertFalse(log.contains("[finetune] step 1/4") || log.contains("[finetune] step 2/4"), "steps 1-2 redone: " + log);
    assertTrue(log.contains("[finetune] step 3/4") && log.contains("[finetune] step 4/4"), log);
    JsonNode manifest = new ObjectMapper().readTree(Paths.get(outcome.manifest()).toFile());
    assertEquals(2, manifest.at("/phases/finetune/resumed_from").asLong(), manifest.at("/phases/finetune").toString());
    assertEquals(4, manifest.at("/phases/finetune/steps").asLong());

    // the same pipeline uninterrupted, under another run id
    PipelineJob.Outcome clean = PipelineJob.run(spark, config(out, "r2"), new CrashingConsole(null));
    assertTrue(clean.promoted());

    spark.read().parquet(out.resolve("warehouse/train_metrics").toString()).createOrReplaceTempView("train_metrics");
    List<Row> duplicated = spark.sql("SELECT run_id, step, metric, count(*) FROM train_metrics WHERE phase = 'finetune'"
        + " GROUP BY run_id, step, metric HAVING count(*) > 1").collectAsList();
    assertEquals(List.of(), duplicated, "every (step, metric) of the phase once");
    List<Row> resumed = losses("r1");
    List<Row> uninterrupted = losses("r2");
    assertEquals(List.of(0L, 1L, 2L, 3L), resumed.stream().map(r -> r.getLong(0)).toList());
    assertEquals(4, uninterrupted.size());
    for (int s = 0; s < 4; s++) {
      assertEquals(uninterrupted.get(s).getDouble(1), resumed.get(s).getDouble(1), 1e-6, "loss at step " + s);
      assertEquals(uninterrupted.get(s).getDouble(2), resumed.get(s).getDouble(2), 0, "lr at step " + s);
      assertEquals(uninterrupted.get(s).getDouble(3), resumed.get(s).getDouble(3), 1e-6, "eval loss at step " + s);
    }
  }

  static List<Row> losses(String runId) {
    return spark.sql("SELECT step,"
        + " max(CASE WHEN metric = 'loss' THEN value END),"
        + " max(CASE WHEN metric = 'learning_rate' THEN value END),"
        + " max(CASE WHEN metric = 'eval_loss' THEN value END)"
        + " FROM train_metrics WHERE phase = 'finetune' AND run_id = '" + runId + "' GROUP BY step ORDER BY step")
        .collectAsList();
  }
}
