package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Row;
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

  static final Path SAMPLES = Paths.get("../../data-samples").toAbsolutePath().normalize();

  static AlignTuneConfig config(Path out, String id, String gates) {
    return config(out, id, gates, SAMPLES.resolve("eval_suite.jsonl"), SAMPLES.resolve("sft.jsonl"), 6, "'2026-12-01'");
  }

  static AlignTuneConfig config(Path out, String id, String gates, Path suite, Path sft, int maxNewTokens, String date) {
    return config(out, id, gates, suite, SAMPLES.resolve("preferences.jsonl"), sft, maxNewTokens, date);
  }

  static AlignTuneConfig config(Path out, String id, String gates, Path suite, Path preferences, Path sft, int maxNewTokens,
      String date) {
    String samples = SAMPLES.toString();
    return AlignTuneConfig.parse("gate-test.yaml", String.join("\n",
        "run: {id: " + id + ", seed: 5, output_dir: '" + out + "'" + (date == null ? "" : ", date: " + date) + "}",
        "model: {init: {hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4,",
        "        num_key_value_heads: 2, max_position_embeddings: 512, seed: 9}}",
        "evaluation:",
        "  suites: [{path: '" + suite + "', format: jsonl}]",
        "  held_out_text: '" + samples + "/general_text.txt'",
        "  max_new_tokens: " + maxNewTokens,
        "  batch_size: 10",
        "gates: " + gates,
        "align:",
        "  data: ['" + preferences + "']",
        "  max_length: 320",
        "  max_prompt_length: 160",
        "  lora: {rank: 2, alpha: 4, targets: [q, v]}",
        "  training: {max_steps: 2, global_batch_size: 8, micro_batch_size: 8, checkpoint_every: 1}",
        "finetune:",
        "  data: ['" + sft + "']",
        "  max_length: 320",
        "  max_prompt_length: 192",
        "  lora: {rank: 2, alpha: 4, targets: [q, v]}",
        "  eval_every: 1",
        "  training: {max_steps: 2, global_batch_size: 8, micro_batch_size: 8, checkpoint_every: 1}",
        ""));
  }

  static List<String> checkNames(JsonNode checks) {
    List<String> names = new java.util.ArrayList<>();
    checks.forEach(c -> names.add(c.get("check").asText()));
    return names;
  }

  static PipelineJob.Outcome run(AlignTuneConfig cfg, ByteArrayOutputStream log) throws Exception {
    return PipelineJob.run(spark, cfg, new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  static final String LENIENT = "{pass_rate_threshold: 0.0, max_drop_points: 100, diversity_floor: 0.0, force_alignment: true,"
      + " max_perplexity_ratio: 1000}";

  static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void forcedPassPromotesAndForcedFailureRefuses(@TempDir Path out, @TempDir Path inputs) throws Exception {
    // the pass run reads copies it can change later: the suite gains one bad record (no prompt), quarantined
    Path suite = inputs.resolve("eval_suite.jsonl");
    Files.writeString(suite, Files.readString(SAMPLES.resolve("eval_suite.jsonl"))
        + "{\"id\": \"bad-01\", \"category\": \"harmful\", \"expected\": \"refuse\"}\n");
    // the training data copies gain one bad record each (an empty chosen response, a missing completion) and
    // blank lines (2 in the preferences, 1 in the SFT data), which are not records but are reported
    Path preferences = inputs.resolve("preferences.jsonl");
    Files.writeString(preferences, Files.readString(SAMPLES.resolve("preferences.jsonl"))
        + "\n{\"prompt\": \"Bad pair?\", \"chosen\": \"\", \"rejected\": \"No.\"}\n   \n");
    Path sft = inputs.resolve("sft.jsonl");
    Files.writeString(sft, Files.readString(SAMPLES.resolve("sft.jsonl")) + "\n{\"prompt\": \"No completion\"}\n");
    // pass: every threshold at its most lenient, alignment forced so that every phase runs
    ByteArrayOutputStream passLog = new ByteArrayOutputStream();
    PipelineJob.Outcome pass = run(config(out, "pass", LENIENT, suite, preferences, sft, 6, "'2026-12-01'"), passLog);
    assertTrue(pass.promoted(), passLog.toString(StandardCharsets.UTF_8));
    assertEquals(0, pass.exitCode());
    assertNotNull(pass.promotedModel());
    assertTrue(Files.exists(Paths.get(pass.promotedModel(), "model.safetensors")), "promoted model written");
    JsonNode manifest = new ObjectMapper().readTree(Paths.get(pass.manifest()).toFile());
    assertEquals("pass", manifest.get("run_id").asText());
    assertEquals(4, manifest.get("lineage").size(), "base -> aligned -> finetuned -> promoted: " + manifest.get("lineage"));
    assertTrue(manifest.get("gates").get("promotion").get("passed").asBoolean());
    assertEquals(4, manifest.get("inputs").size(), "preferences, SFT data, suite and text: " + manifest.get("inputs"));
    // both training phases count their data in the same fields; each copy's bad record is rejected
    for (String phase : List.of("align", "finetune")) {
      JsonNode data = manifest.at("/phases/" + phase + "/data");
      Path file = phase.equals("align") ? preferences : sft;
      List<String> lines = Files.readAllLines(file);
      long blank = lines.stream().filter(String::isBlank).count();
      assertEquals(phase.equals("align") ? 2 : 1, blank);
      assertEquals(lines.size() - blank, data.get("records_read").asLong(), phase + ": " + data);
      assertEquals(blank, data.get("blank_lines_skipped").asLong(), phase + ": every line is accounted for: " + data);
      assertEquals(data.get("records_read").asLong(), data.get("kept").asLong() + data.get("rejected").asLong(),
          phase + ": read = kept + rejected: " + data);
      assertTrue(passLog.toString(StandardCharsets.UTF_8).contains("[" + phase + "] data: " + data.get("records_read")
          + " records read, " + data.get("kept") + (phase.equals("align") ? " pairs" : " examples") + " kept, "
          + data.get("rejected") + " rejected"), passLog.toString(StandardCharsets.UTF_8));
      assertTrue(passLog.toString(StandardCharsets.UTF_8).contains("; " + blank + (blank == 1 ? " blank line" : " blank lines")
          + " skipped\n"), passLog.toString(StandardCharsets.UTF_8));
      System.out.println("[pipeline-data] " + phase + " " + data);
      assertTrue(data.get("rejected").asLong() >= 1, phase + ": " + data);
      long byReason = 0;
      for (JsonNode n : data.get("rejected_by_reason")) {
        byReason += n.asLong();
      }
      assertEquals(data.get("rejected").asLong(), byReason, phase + ": " + data);
    }
    JsonNode finetuneData = manifest.at("/phases/finetune/data");
    assertEquals(finetuneData.get("kept").asLong(), finetuneData.get("train").asLong()
        + finetuneData.get("held_out").asLong(), finetuneData.toString());
    assertTrue(finetuneData.get("rejected_by_reason").has("missing_field"), finetuneData.toString());
    manifest.get("inputs").fields().forEachRemaining(e ->
        assertTrue(e.getValue().asText().matches("sha256:[0-9a-f]{64}"), e.getKey() + " = " + e.getValue()));
    assertEquals("sha256:" + sha256(sft), manifest.at("/inputs/" + sft.toString().replace("/", "~1")).asText(),
        "the SFT file's recorded hash is the sha256 of its bytes");
    assertEquals("sha256:" + sha256(suite), manifest.get("inputs").get(suite.toString()).asText());
    // threshold 0: the base is not below it, so alignment ran only because it was forced
    assertTrue(!manifest.at("/alignment/needed").asBoolean(true) && manifest.at("/alignment/forced").asBoolean()
        && manifest.at("/alignment/ran").asBoolean() && manifest.at("/alignment/skipped_reason").isNull(),
        manifest.get("alignment").toString());
    assertTrue(manifest.at("/gates/alignment_needed").isMissingNode(), "the old key is gone");

    // the suite's bad record: once in rejects (not once per eval phase), as file:/..., on the console and manifest
    String passText = passLog.toString(StandardCharsets.UTF_8);
    assertTrue(passText.contains("[run] eval suites: 21 records read, 20 prompts kept, 1 rejected"), passText);
    assertEquals(1, manifest.at("/eval_suites/rejected").asLong(), manifest.get("eval_suites").toString());
    spark.read().parquet(out.resolve("warehouse/rejects").toString()).createOrReplaceTempView("gate_rejects");
    List<Row> suiteRejects = spark.sql("SELECT source_file, line, phase FROM gate_rejects WHERE run_id = 'pass'"
        + " AND source_file LIKE '%eval_suite.jsonl'").collectAsList();
    assertEquals(1, suiteRejects.size(), suiteRejects.toString());
    assertEquals("file:" + suite, suiteRejects.get(0).getString(0));
    assertEquals(21, suiteRejects.get(0).getLong(1));
    assertEquals("evaluate_base", suiteRejects.get(0).getString(2));
    long sftRejectForm = spark.sql("SELECT COUNT(*) FROM gate_rejects WHERE source_file LIKE 'file:/%'").first().getLong(0);
    assertEquals(spark.sql("SELECT COUNT(*) FROM gate_rejects").first().getLong(0), sftRejectForm,
        "every source_file in one form");
    // every check with its own flag; a promotion has no reasons
    JsonNode passChecks = manifest.at("/gates/promotion/checks");
    assertEquals(List.of("pass_rate_drop", "pass_rate", "diversity", "perplexity"), checkNames(passChecks),
        passChecks.toString());
    passChecks.forEach(c -> assertTrue(c.get("passed").asBoolean() && c.get("value").isNumber()
        && c.get("limit").isNumber() && !c.get("detail").asText().isEmpty(), c.toString()));
    assertTrue(passChecks.get(3).get("detail").asText().contains("final held-out perplexity"), passChecks.toString());
    assertEquals(0, manifest.at("/gates/promotion/reasons").size(), manifest.at("/gates/promotion").toString());

    // the same finished run with a strict forgetting guard (final perplexity may not exceed the base's): the
    // phases are reused and the decision follows the recorded perplexities
    double basePerplexity = manifest.at("/evaluations/base/perplexity").asDouble();
    double finalPerplexity = manifest.at("/evaluations/final/perplexity").asDouble();
    assertTrue(basePerplexity > 1 && finalPerplexity > 1, manifest.get("evaluations").toString());
    ByteArrayOutputStream strictLog = new ByteArrayOutputStream();
    PipelineJob.Outcome strict = run(config(out, "pass", LENIENT.replace("max_perplexity_ratio: 1000",
        "max_perplexity_ratio: 1.0"), suite, preferences, sft, 6, "'2026-12-01'"), strictLog);
    assertEquals(finalPerplexity <= basePerplexity * (1 + 1e-9), strict.promoted(),
        "base " + basePerplexity + ", final " + finalPerplexity + ": " + strict.reasons());
    String strictText = strictLog.toString(StandardCharsets.UTF_8);
    for (String phase : List.of("evaluate_base", "align", "evaluate_aligned", "finetune", "evaluate_final")) {
      assertTrue(strictText.contains("[run] " + phase + ": already done"), "a gates-only change reuses " + phase
          + ": " + strictText);
    }
    assertFalse(strictText.contains("generating") || strictText.contains("[align] step") || strictText.contains(
        "[finetune] step"), strictText);

    // other inputs under the same run id are refused, naming the phase and the change, before anything runs
    PhaseLedger.InputsChangedException tokens = assertThrows(PhaseLedger.InputsChangedException.class,
        () -> run(config(out, "pass", LENIENT, suite, preferences, sft, 7, "'2026-12-01'"), new ByteArrayOutputStream()));
    assertTrue(tokens.getMessage().contains("phase evaluate_base")
        && tokens.getMessage().contains("config.evaluation.max_new_tokens: 6 -> 7"), tokens.getMessage());
    Files.writeString(sft, "{\"prompt\": \"One more?\", \"completion\": \"Yes.\"}\n", StandardOpenOption.APPEND);
    ByteArrayOutputStream changedLog = new ByteArrayOutputStream();
    PhaseLedger.InputsChangedException data = assertThrows(PhaseLedger.InputsChangedException.class,
        () -> run(config(out, "pass", LENIENT, suite, preferences, sft, 6, "'2026-12-01'"), changedLog));
    assertTrue(data.getMessage().contains("phase finetune") && data.getMessage().contains("input " + sft + ": sha256:"),
        data.getMessage());
    assertFalse(changedLog.toString(StandardCharsets.UTF_8).contains("[finetune] step"), "nothing retrained");
    assertTrue(Files.exists(Paths.get(pass.promotedModel(), "model.safetensors")), "the run's outputs are untouched");

    // fail: a threshold no model can reach
    ByteArrayOutputStream failLog = new ByteArrayOutputStream();
    PipelineJob.Outcome fail = run(config(out, "fail", "{pass_rate_threshold: 1.0, force_alignment: true}"), failLog);
    assertFalse(fail.promoted());
    assertEquals(PipelineJob.GATE_FAILED, fail.exitCode());
    assertNull(fail.promotedModel());
    assertFalse(Files.exists(out.resolve("fail/promoted")));
    assertTrue(fail.reasons().stream().anyMatch(r -> r.contains("below the threshold 1.0")), fail.reasons().toString());
    // reasons and the REFUSED line hold the failed checks only; the passed ones are flagged and on their own line
    JsonNode failGate = new ObjectMapper().readTree(Paths.get(fail.manifest()).toFile()).at("/gates/promotion");
    assertFalse(failGate.get("passed").asBoolean(true));
    JsonNode threshold = failGate.get("checks").get(1);
    assertEquals("pass_rate", threshold.get("check").asText(), failGate.toString());
    assertFalse(threshold.get("passed").asBoolean(true));
    assertEquals(1.0, threshold.get("limit").asDouble(), 0);
    assertEquals(fail.finalPassRate(), threshold.get("value").asDouble(), 0);
    List<String> failedDetails = new java.util.ArrayList<>();
    List<String> passedDetails = new java.util.ArrayList<>();
    failGate.get("checks").forEach(c -> (c.get("passed").asBoolean() ? passedDetails : failedDetails)
        .add(c.get("detail").asText()));
    assertFalse(passedDetails.isEmpty(), "the diversity floor 0.2 passes at least: " + failGate);
    List<String> manifestReasons = new java.util.ArrayList<>();
    failGate.get("reasons").forEach(r -> manifestReasons.add(r.asText()));
    assertEquals(failedDetails, manifestReasons, failGate.toString());
    assertEquals(failedDetails, fail.reasons());
    String failText = failLog.toString(StandardCharsets.UTF_8);
    String refusedLine = failText.lines().filter(l -> l.startsWith("[run] NOT PROMOTED — REFUSED: ")).findFirst()
        .orElseThrow(() -> new AssertionError(failText));
    assertEquals("[run] NOT PROMOTED — REFUSED: " + String.join("; ", failedDetails), refusedLine);
    assertTrue(failText.contains("[run] gate checks passed: " + String.join("; ", passedDetails)), failText);

    // a finished run id re-run: every phase is reused, the decision is the same
    ByteArrayOutputStream againLog = new ByteArrayOutputStream();
    PipelineJob.Outcome again = run(config(out, "fail", "{pass_rate_threshold: 1.0, force_alignment: true}"), againLog);
    assertEquals(fail.finalPassRate(), again.finalPassRate(), 0);
    String log = againLog.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("evaluate_base: already done") && log.contains("align: already done")
        && log.contains("finetune: already done"), log);
  }

  @Test
  void aBaseThatPassesSkipsAlignmentAndAResumedRunKeepsItsFirstRunDate(@TempDir Path out) throws Exception {
    // a first attempt of run "skip" recorded 2026-01-01; this attempt sets no run.date (it would default to today)
    Files.createDirectories(out.resolve("skip"));
    Files.writeString(out.resolve("skip/" + PhaseLedger.RUN_RECORD), "{\"run_id\": \"skip\", \"run_date\": \"2026-01-01\"}");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    // threshold 0: the base model "passes", so the gate skips alignment; fine-tuning still runs
    PipelineJob.Outcome outcome = run(config(out, "skip", "{pass_rate_threshold: 0.0, max_drop_points: 100,"
        + " diversity_floor: 0.0}", SAMPLES.resolve("eval_suite.jsonl"), SAMPLES.resolve("sft.jsonl"), 6, null), log);
    String text = log.toString(StandardCharsets.UTF_8);
    assertTrue(outcome.promoted(), text);
    assertTrue(text.contains("[run] align: skipped by the gate"), text);
    assertTrue(text.contains("alignment skipped (base pass rate") && !text.contains(", aligned "), text);
    assertFalse(text.contains("[align]") || text.contains("evaluate_aligned"), text);
    assertTrue(text.contains("with the run date of its first attempt, 2026-01-01"), text);
    assertFalse(Files.exists(out.resolve("skip/align")), "no align phase folder");

    JsonNode manifest = new ObjectMapper().readTree(Paths.get(outcome.manifest()).toFile());
    assertEquals("2026-01-01", manifest.get("run_date").asText());
    JsonNode alignment = manifest.get("alignment");
    assertFalse(alignment.get("needed").asBoolean() || alignment.get("forced").asBoolean() || alignment.get("ran").asBoolean(),
        alignment.toString());
    assertTrue(alignment.get("skipped_reason").asText().contains("meets the threshold"), alignment.toString());
    JsonNode lineage = manifest.get("lineage");
    assertEquals(List.of("base", "aligned", "finetuned", "promoted"),
        List.of(lineage.get(0).get("stage").asText(), lineage.get(1).get("stage").asText(),
            lineage.get(2).get("stage").asText(), lineage.get(3).get("stage").asText()), lineage.toString());
    assertTrue(lineage.get(1).get("skipped").asText().contains("meets the threshold") && lineage.get(1).get("model") == null,
        lineage.toString());
    assertTrue(manifest.at("/evaluations/aligned").isMissingNode() && manifest.at("/phases/align").isMissingNode());

    spark.read().parquet(out.resolve("warehouse/train_metrics").toString()).createOrReplaceTempView("skip_metrics");
    assertEquals(0, spark.sql("SELECT COUNT(*) FROM skip_metrics WHERE run_id = 'skip' AND phase = 'align'").first().getLong(0),
        "no DPO rows");
    assertTrue(spark.sql("SELECT COUNT(*) FROM skip_metrics WHERE run_id = 'skip' AND phase = 'finetune'").first()
        .getLong(0) > 0, "SFT rows");
    assertEquals(List.of("2026-01-01"), spark.sql("SELECT DISTINCT CAST(run_date AS STRING) FROM skip_metrics WHERE"
        + " run_id = 'skip'").collectAsList().stream().map(r -> r.getString(0)).toList(), "one run_date partition");
  }
}
