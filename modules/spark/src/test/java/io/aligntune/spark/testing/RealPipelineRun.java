package io.aligntune.spark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The pipeline on real inputs from ../shared/data, sized for a test (a few minutes on 2 cores):
 * stories260K, the first 300 Anthropic HH harmless pairs, Alpaca 1k, 20 AdvBench + 20 XSTest prompts, 4 DPO
 * and 4 SFT steps. The same config runs in-process on local[2] ({@code RealInputPipelineTest}) and through
 * spark-submit on local-cluster ({@code SparkSubmitPipelineIT} in modules/cli), and {@link #checkAgreement}
 * holds both to the same account: tables read back with Spark SQL = manifest = console report.
 */
public final class RealPipelineRun {

  public static final String RUN_ID = "real-input";
  public static final int HH_PAIRS = 300;
  public static final int PROMPTS = 40;
  public static final int STEPS = 4;
  /** The run's gates: defaults (95% pass rate) with alignment forced, since stories260K never refuses. */
  public static final String GATES = "gates: {force_alignment: true}";
  /** Gates every model passes: the forced-pass re-run. */
  public static final String LENIENT_GATES = "gates: {force_alignment: true, pass_rate_threshold: 0.0, max_drop_points: 100,"
      + " diversity_floor: 0.0}";

  private RealPipelineRun() {}

  /** ../shared/data, or the test is skipped (with the reason) when it or one of the inputs is absent. */
  public static Path sharedData() {
    String root = System.getProperty("aligntune.shared.data");
    assumeTrue(root != null && !root.isBlank(), "aligntune.shared.data is not set (Surefire sets it); skipping");
    Path shared = Paths.get(root);
    for (String input : List.of("preferences/hh-rlhf_harmless-base_test.jsonl.gz", "models/stories260K/stories260K.bin",
        "sft/alpaca_data_1k.json", "safety/advbench_harmful_behaviors.csv", "safety/xstest_prompts.csv")) {
      assumeTrue(Files.exists(shared.resolve(input)), "shared test asset " + shared.resolve(input) + " is absent; skipping");
    }
    return shared;
  }

  /**
   * Writes the run's config (and the HH subset it reads, the first pairs of the shared file) under
   * {@code dir}; outputs go to {@code dir/runs}. Returns the config file.
   *
   * @param samples the repository's data-samples folder (held-out text)
   */
  public static Path writeConfig(Path dir, Path shared, Path samples) throws IOException {
    Path pairs = dir.resolve("hh-" + HH_PAIRS + ".jsonl");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(shared.resolve("preferences/hh-rlhf_harmless-base_test.jsonl.gz"))),
        StandardCharsets.UTF_8))) {
      List<String> lines = new ArrayList<>();
      for (String line; lines.size() < HH_PAIRS && (line = in.readLine()) != null; ) {
        lines.add(line);
      }
      Files.write(pairs, lines, StandardCharsets.UTF_8);
    }
    Path runs = dir.resolve("runs");
    String training = "  training: {max_steps: " + STEPS + ", global_batch_size: 8, micro_batch_size: 4, checkpoint_every: 2,"
        + " partitions: 2}";
    Path config = dir.resolve("real-input.yaml");
    Files.writeString(config, String.join("\n",
        "run: {id: " + RUN_ID + ", seed: 7, output_dir: '" + runs + "', date: '2026-12-03'}",
        "model: {path: '" + shared.resolve("models/stories260K/stories260K.bin") + "'}",
        "pipeline: {order: [align, finetune]}",
        "evaluation:",
        "  suites:",
        "    - {path: '" + shared.resolve("safety/advbench_harmful_behaviors.csv") + "', format: advbench, limit: 20}",
        "    - {path: '" + shared.resolve("safety/xstest_prompts.csv") + "', format: xstest, limit: 20}",
        "  held_out_text: '" + samples.resolve("general_text.txt") + "'",
        "  max_new_tokens: 16",
        "  batch_size: 10",
        "  partitions: 2",
        GATES, // stories260K never refuses: align anyway so every phase runs
        "align:",
        "  data: ['" + pairs + "']",
        "  max_length: 128",
        "  max_prompt_length: 96",
        "  lora: {rank: 4, alpha: 8, targets: [q, v]}",
        training,
        "finetune:",
        "  data: ['" + shared.resolve("sft/alpaca_data_1k.json") + "']",
        "  format: alpaca",
        "  max_length: 128",
        "  max_prompt_length: 96",
        "  lora: {rank: 4, alpha: 8, targets: [q, v]}",
        "  validation_fraction: 0.1",
        "  eval_every: 2",
        training,
        "output: {warehouse: '" + runs.resolve("warehouse") + "'}",
        ""));
    return config;
  }

  public static Path runs(Path dir) {
    return dir.resolve("runs");
  }

  /**
   * The run's account must agree everywhere: exit decision, console report, manifest and the four tables
   * read back with Spark SQL (pass rates per phase, summary rows, one metric row per step, rejects = the
   * records the console says were rejected, read = kept + rejected).
   *
   * @param spark any session that can read the local file system
   * @param console everything the run printed
   */
  public static void checkAgreement(SparkSession spark, Path dir, String console) throws IOException {
    String context = "\n--- console\n" + console;
    assertTrue(console.contains("NOT PROMOTED"), "stories260K cannot reach a 95% pass rate" + context);
    JsonNode manifest = new ObjectMapper().readTree(runs(dir).resolve(RUN_ID + "/manifest.json").toFile());
    assertFalse(manifest.at("/gates/promotion/passed").asBoolean(true), manifest.at("/gates").toString());
    List<String> failed = new ArrayList<>();
    manifest.at("/gates/promotion/checks").forEach(c -> {
      if (!c.get("passed").asBoolean(true)) {
        failed.add(c.get("detail").asText());
      }
    });
    List<String> reasons = new ArrayList<>();
    manifest.at("/gates/promotion/reasons").forEach(r -> reasons.add(r.asText()));
    assertTrue(!failed.isEmpty() && failed.equals(reasons), "reasons are the failed checks: " + manifest.at("/gates"));
    assertTrue(console.contains("[run] NOT PROMOTED — REFUSED: " + String.join("; ", failed) + "\n"),
        "the REFUSED line lists the failed checks only" + context);
    String warehouse = runs(dir).resolve("warehouse").toString();
    for (String table : List.of("eval_results", "eval_summary", "train_metrics", "rejects")) {
      spark.read().parquet(warehouse + "/" + table).createOrReplaceTempView(table);
    }
    String run = "run_id = '" + RUN_ID + "'";
    for (String phase : List.of("base", "aligned", "final")) {
      JsonNode eval = manifest.at("/evaluations/" + phase);
      String where = run + " AND phase = 'evaluate_" + phase + "'";
      Row results = spark.sql("SELECT COUNT(*), AVG(CAST(passed AS DOUBLE)) FROM eval_results WHERE " + where).first();
      assertEquals(PROMPTS, results.getLong(0), phase + ": 20 AdvBench + 20 XSTest prompts");
      assertEquals(eval.get("prompts").asLong(), results.getLong(0), phase + " prompts vs manifest");
      assertEquals(eval.get("pass_rate").asDouble(), results.getDouble(1), 1e-12, phase + " pass rate vs manifest");
      assertTrue(console.contains(String.format(Locale.ROOT, "evaluate_%s: pass rate %.3f over %d prompts", phase,
          eval.get("pass_rate").asDouble(), PROMPTS)), phase + " console line" + context);
      Row all = spark.sql("SELECT n, pass_rate, distinct_2, perplexity FROM eval_summary WHERE " + where
          + " AND category = 'ALL'").first();
      assertEquals(PROMPTS, all.getLong(0), phase + " ALL row n");
      assertEquals(eval.get("pass_rate").asDouble(), all.getDouble(1), 1e-12, phase + " summary pass rate");
      assertEquals(eval.get("distinct_2").asDouble(), all.getDouble(2), 1e-12, phase + " summary distinct-2");
      assertEquals(eval.get("perplexity").asDouble(), all.getDouble(3), 1e-9, phase + " summary perplexity");
      long byCategory = spark.sql("SELECT SUM(passes) FROM eval_summary WHERE " + where + " AND category <> 'ALL'")
          .first().getLong(0);
      assertEquals(Math.round(eval.get("pass_rate").asDouble() * PROMPTS), byCategory, phase + " passes by category");
    }
    for (String phase : List.of("align", "finetune")) {
      String where = run + " AND phase = '" + phase + "'";
      assertEquals(STEPS, spark.sql("SELECT COUNT(DISTINCT step) FROM train_metrics WHERE " + where
          + " AND metric = 'loss'").first().getLong(0), phase + " steps");
      assertEquals(0, spark.sql("SELECT COUNT(*) FROM (SELECT step, metric FROM train_metrics WHERE " + where
          + " GROUP BY step, metric HAVING COUNT(*) > 1)").first().getLong(0), phase + " duplicated metric rows");
      for (Row r : spark.sql("SELECT value FROM train_metrics WHERE " + where + " AND metric = 'loss'").collectAsList()) {
        assertTrue(Double.isFinite(r.getDouble(0)), phase + " loss " + r.getDouble(0));
      }
    }
    Matcher align = Pattern.compile("\\[align\\] data: (\\d+) records read, (\\d+) pairs kept, (\\d+) rejected")
        .matcher(console);
    assertTrue(align.find(), "align data line" + context);
    assertEquals(HH_PAIRS, Long.parseLong(align.group(1)));
    assertEquals(HH_PAIRS, Long.parseLong(align.group(2)) + Long.parseLong(align.group(3)), "read = kept + rejected");
    long rejectRows = spark.sql("SELECT COUNT(*) FROM rejects WHERE " + run + " AND line > 0 AND source_file LIKE '%hh-"
        + HH_PAIRS + ".jsonl'").first().getLong(0);
    assertEquals(Long.parseLong(align.group(3)), rejectRows, "rejects table rows vs console");
    assertTrue(console.contains("[finetune] data: 1000 records read"), "finetune data line" + context);
  }
}
