package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.spark.testing.RealPipelineRun;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real inputs in-process on local[2] (the spark-submit/local-cluster twin is
 * modules/cli's SparkSubmitPipelineIT): the gate refuses, and tables, manifest and report agree; re-run with
 * gates every model passes (a forced pass), the finished phases are reused and the result is promoted.
 */
class RealInputPipelineTest {

  @Test
  void realInputsOnLocal2(@TempDir Path dir) throws Exception {
    Path shared = RealPipelineRun.sharedData();
    Path config = RealPipelineRun.writeConfig(dir, shared, Paths.get("../../data-samples").toAbsolutePath().normalize());
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SparkSession spark = LocalClusterSpark.local(2);
    try {
      PipelineJob.Outcome outcome = PipelineJob.run(spark, AlignTuneConfig.load(config),
          new PrintStream(log, true, StandardCharsets.UTF_8));
      String console = log.toString(StandardCharsets.UTF_8);
      assertEquals(PipelineJob.GATE_FAILED, outcome.exitCode(), console);
      RealPipelineRun.checkAgreement(spark, dir, console);

      // forced pass: the same run id with gates every model passes. Gates are in no phase fingerprint, so
      // every phase is reused (nothing is generated or trained again) and only the decision changes.
      Files.writeString(config, Files.readString(config).replace(RealPipelineRun.GATES, RealPipelineRun.LENIENT_GATES));
      ByteArrayOutputStream passLog = new ByteArrayOutputStream();
      PipelineJob.Outcome pass = PipelineJob.run(spark, AlignTuneConfig.load(config),
          new PrintStream(passLog, true, StandardCharsets.UTF_8));
      String passText = passLog.toString(StandardCharsets.UTF_8);
      assertTrue(pass.promoted(), passText);
      assertEquals(0, pass.exitCode());
      assertEquals(outcome.finalPassRate(), pass.finalPassRate(), 0, "the recorded final evaluation is reused");
      for (String phase : List.of("evaluate_base", "align", "evaluate_aligned", "finetune", "evaluate_final")) {
        assertTrue(passText.contains("[run] " + phase + ": already done"), phase + " reused:\n" + passText);
      }
      assertFalse(passText.contains("[align] step") || passText.contains("[finetune] step"), passText);
      Path promoted = pass.promotedModel().startsWith("file:")
          ? Paths.get(java.net.URI.create(pass.promotedModel())) : Paths.get(pass.promotedModel());
      assertTrue(Files.exists(promoted.resolve("model.safetensors")), "promoted model written at " + promoted);
      JsonNode manifest = new ObjectMapper().readTree(RealPipelineRun.runs(dir)
          .resolve(RealPipelineRun.RUN_ID + "/manifest.json").toFile());
      assertTrue(manifest.at("/gates/promotion/passed").asBoolean(), manifest.at("/gates").toString());
      assertEquals("promoted", manifest.at("/lineage/" + (manifest.get("lineage").size() - 1) + "/stage").asText(),
          manifest.get("lineage").toString());
      // the re-decided run replaced its table partitions: still one row per prompt and phase
      spark.read().parquet(RealPipelineRun.runs(dir).resolve("warehouse/eval_results").toString())
          .createOrReplaceTempView("eval_results_again");
      assertEquals(3L * RealPipelineRun.PROMPTS, spark.sql("SELECT COUNT(*) FROM eval_results_again WHERE run_id = '"
          + RealPipelineRun.RUN_ID + "'").first().getLong(0));
    } finally {
      spark.stop();
      ExecutorModels.release();
    }
  }
}
