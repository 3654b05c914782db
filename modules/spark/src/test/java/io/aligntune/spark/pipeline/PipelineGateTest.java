package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.testing.LocalClusterSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on data-samples with a tiny random model: a gate set to pass promotes (exit 0, a
 * promoted model on disk, lineage in the manifest); a gate set to fail refuses (exit 3, the reasons, no
 * promoted model); a re-run of a finished run id redoes nothing.
 */
class PipelineGateTest {

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

  static AlignTuneConfig config(Path out, String id, String gates) {
    String samples = Paths.get("../../data-samples").toAbsolutePath().normalize().toString();
    return AlignTuneConfig.parse("gate-test.yaml", String.join("\n",
        "run: {id: " + id + ", seed: 5, output_dir: '" + out + "', date: '2026-12-01'}",
        "model: {init: {hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4,",
        "        num_key_value_heads: 2, max_position_embeddings: 512, seed: 9}}",
        "evaluation:",
        "  suites: [{path: '" + samples + "/eval_suite.jsonl', format: jsonl}]",
        "  held_out_text: '" + samples + "/general_text.txt'",
        "  max_new_tokens: 6",
        "  batch_size: 10",
        "gates: " + gates,
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
        "  training: {max_steps: 2, global_batch_size: 8, micro_batch_size: 8, checkpoint_every: 1}",
        ""));
  }

  static PipelineJob.Outcome run(AlignTuneConfig cfg, ByteArrayOutputStream log) throws Exception {
    return PipelineJob.run(spark, cfg, new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  @Test
  void forcedPassPromotesAndForcedFailureRefuses(@TempDir Path out) throws Exception {
    // pass: every threshold at its most lenient, alignment forced so that every phase runs
    ByteArrayOutputStream passLog = new ByteArrayOutputStream();
    PipelineJob.Outcome pass = run(config(out, "pass",
        "{pass_rate_threshold: 0.0, max_drop_points: 100, diversity_floor: 0.0, force_alignment: true,"
            + " max_perplexity_ratio: 1000}"), passLog);
    assertTrue(pass.promoted(), passLog.toString(StandardCharsets.UTF_8));
    assertEquals(0, pass.exitCode());
    assertNotNull(pass.promotedModel());
    assertTrue(Files.exists(Paths.get(pass.promotedModel(), "model.safetensors")), "promoted model written");
    JsonNode manifest = new ObjectMapper().readTree(Paths.get(pass.manifest()).toFile());
    assertEquals("pass", manifest.get("run_id").asText());
    assertEquals(4, manifest.get("lineage").size(), "base -> aligned -> finetuned -> promoted: " + manifest.get("lineage"));
    assertTrue(manifest.get("gates").get("promotion").get("passed").asBoolean());
    assertTrue(manifest.get("inputs").size() >= 4, "data files, suite and text with their hashes");
    assertTrue(manifest.at("/gates/promotion/reasons").toString().contains("final held-out perplexity"),
        manifest.at("/gates/promotion").toString());

    // the same finished run with a strict forgetting guard (final perplexity may not exceed the base's): the
    // phases are reused and the decision follows the recorded perplexities
    double basePerplexity = manifest.at("/evaluations/base/perplexity").asDouble();
    double finalPerplexity = manifest.at("/evaluations/final/perplexity").asDouble();
    assertTrue(basePerplexity > 1 && finalPerplexity > 1, manifest.get("evaluations").toString());
    ByteArrayOutputStream strictLog = new ByteArrayOutputStream();
    PipelineJob.Outcome strict = run(config(out, "pass",
        "{pass_rate_threshold: 0.0, max_drop_points: 100, diversity_floor: 0.0, force_alignment: true,"
            + " max_perplexity_ratio: 1.0}"), strictLog);
    assertEquals(finalPerplexity <= basePerplexity * (1 + 1e-9), strict.promoted(),
        "base " + basePerplexity + ", final " + finalPerplexity + ": " + strict.reasons());

    // fail: a threshold no model can reach
    ByteArrayOutputStream failLog = new ByteArrayOutputStream();
    PipelineJob.Outcome fail = run(config(out, "fail", "{pass_rate_threshold: 1.0, force_alignment: true}"), failLog);
    assertFalse(fail.promoted());
    assertEquals(PipelineJob.GATE_FAILED, fail.exitCode());
    assertNull(fail.promotedModel());
    assertFalse(Files.exists(out.resolve("fail/promoted")));
    assertTrue(fail.reasons().get(0).contains("below the threshold 1.0"), fail.reasons().toString());
    assertTrue(failLog.toString(StandardCharsets.UTF_8).contains("NOT PROMOTED"));

    // a finished run id re-run: every phase is reused, the decision is the same
    ByteArrayOutputStream againLog = new ByteArrayOutputStream();
    PipelineJob.Outcome again = run(config(out, "fail", "{pass_rate_threshold: 1.0, force_alignment: true}"), againLog);
    assertEquals(fail.finalPassRate(), again.finalPassRate(), 0);
    String log = againLog.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("evaluate_base: already done") && log.contains("align: already done")
        && log.contains("finetune: already done"), log);
  }
}
