package io.aligntune.cli;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as a cluster user runs it: {@code spark-submit --master local-cluster[2,1,2048] --class
 * io.aligntune.cli.Main aligntune.jar run --config ...} on real inputs (stories260K, Anthropic HH pairs,
 * Alpaca, AdvBench and XSTest from ../shared/data).
 *
 * <p>The command line is built the way {@code bin/spark-submit} builds it (Spark's launcher,
 * {@code org.apache.spark.launcher.Main}, run against a SPARK_HOME whose jars are Spark alone, from
 * modules/spark-dist), so the driver sees only Spark plus the shaded jar, and the two executor JVMs get the
 * shaded jar from the driver as on a cluster. The event log proves both executors computed DPO and SFT
 * steps; the tables read back with Spark SQL must agree with the manifest and the console report.
 */
class SparkSubmitPipelineIT {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void realPipelineThroughSparkSubmitOnTwoExecutorJvms(@TempDir Path dir) throws Exception {
    Path shared = sharedData();
    Path hh = shared.resolve("preferences/hh-rlhf_harmless-base_test.jsonl.gz");
    Path stories = shared.resolve("models/stories260K/stories260K.bin");
    for (Path p : List.of(hh, stories, shared.resolve("sft/alpaca_data_1k.json"),
        shared.resolve("safety/advbench_harmful_behaviors.csv"), shared.resolve("safety/xstest_prompts.csv"))) {
      assumeTrue(Files.exists(p), "shared test asset " + p + " is absent; skipping");
    }
    Path jar = Paths.get(System.getProperty("aligntune.jar", "target/aligntune.jar"));
    String sparkHome = System.getenv("SPARK_HOME");
    // set only by the integration-test execution of modules/cli/pom.xml (after `package` built the jar)
    assumeTrue(sparkHome != null, "SPARK_HOME is not set: this test runs in the integration-test phase");
    assertTrue(Files.isRegularFile(jar), "the shaded jar must be built before this test (mvn verify): " + jar);
    assertTrue(sparkHome != null && Files.isDirectory(Paths.get(sparkHome, "jars")),
        "SPARK_HOME/jars (modules/spark-dist) must be prepared by the build: " + sparkHome);

    // a few hundred HH pairs (the size for this run), read from the shared file in place
    Path pairs = dir.resolve("hh-300.jsonl");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(hh)), StandardCharsets.UTF_8))) {
      List<String> lines = new ArrayList<>();
      for (String line; lines.size() < 300 && (line = in.readLine()) != null; ) {
        lines.add(line);
      }
      Files.write(pairs, lines, StandardCharsets.UTF_8);
    }
    Path runs = dir.resolve("runs");
    Path config = dir.resolve("real.yaml");
    Files.writeString(config, String.join("\n",
        "run: {id: submit-real, seed: 7, output_dir: '" + runs + "', date: '2026-12-03'}",
        "model: {path: '" + stories + "'}",
        "pipeline: {order: [align, finetune]}",
        "evaluation:",
        "  suites:",
        "    - {path: '" + shared.resolve("safety/advbench_harmful_behaviors.csv") + "', format: advbench, limit: 20}",
        "    - {path: '" + shared.resolve("safety/xstest_prompts.csv") + "', format: xstest, limit: 20}",
        "  held_out_text: '" + Paths.get("../../data-samples/general_text.txt").toAbsolutePath().normalize() + "'",
        "  max_new_tokens: 16",
        "  batch_size: 10",
        "  partitions: 2",
        "gates: {force_alignment: true}", // stories260K never refuses; align anyway so every phase runs
        "align:",
        "  data: ['" + pairs + "']",
        "  max_length: 128",
        "  max_prompt_length: 96",
        "  lora: {rank: 4, alpha: 8, targets: [q, v]}",
        "  training: {max_steps: 4, global_batch_size: 8, micro_batch_size: 4, checkpoint_every: 2, partitions: 2}",
        "finetune:",
        "  data: ['" + shared.resolve("sft/alpaca_data_1k.json") + "']",
        "  format: alpaca",
        "  max_length: 128",
        "  max_prompt_length: 96",
        "  lora: {rank: 4, alpha: 8, targets: [q, v]}",
        "  validation_fraction: 0.1",
        "  eval_every: 2",
        "  training: {max_steps: 4, global_batch_size: 8, micro_batch_size: 4, checkpoint_every: 2, partitions: 2}",
        "output: {warehouse: '" + runs.resolve("warehouse") + "'}",
        ""));
    Path events = Files.createDirectories(dir.resolve("events"));

    List<String> command = sparkSubmitCommand(sparkHome, List.of(
        "--master", "local-cluster[2,1,2048]",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1",
        "--conf", "spark.executor.memory=1536m",
        "--conf", "spark.executor.extraJavaOptions=-Dai.djl.offline=true",
        "--conf", "spark.eventLog.enabled=true",
        "--conf", "spark.eventLog.compress=false",
        "--conf", "spark.eventLog.dir=" + events.toUri(),
        "--driver-java-options", "-Dai.djl.offline=true",
        "--class", "io.aligntune.cli.Main",
        jar.toAbsolutePath().toString(),
        "run", "--config", config.toString()));
    Path stdout = dir.resolve("stdout.txt");
    Path stderr = dir.resolve("stderr.txt");
    ProcessBuilder submit = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    submit.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = submit.start();
    boolean finished = process.waitFor(15, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    String out = Files.readString(stdout);
    String diagnostics = "\n--- stdout\n" + out + "\n--- stderr (tail)\n" + tail(Files.readString(stderr), 6000);
    assertTrue(finished, "spark-submit did not finish in 15 minutes" + diagnostics);

    // stories260K cannot reach a 95% pass rate: the promotion gate refuses, and spark-submit (client
    // mode) returns the job's exit code 3, which a scheduler acts on
    assertEquals(3, process.exitValue(), "exit code" + diagnostics);
    assertTrue(out.contains("NOT PROMOTED"), diagnostics);
    assertTrue(out.contains("[align] data: 300 records read"), diagnostics);
    assertTrue(out.contains("[finetune] data: 1000 records read"), diagnostics);

    // both executor JVMs did training work
    Map<String, Set<String>> executorsByJob = executorsByJobPrefix(events, List.of("DPO step", "SFT step"));
    assertEquals(Set.of("0", "1"), executorsByJob.get("DPO step"), "executors of DPO steps" + diagnostics);
    assertEquals(Set.of("0", "1"), executorsByJob.get("SFT step"), "executors of SFT steps" + diagnostics);

    // the manifest and the tables agree, read back with Spark SQL
    JsonNode manifest = JSON.readTree(runs.resolve("submit-real/manifest.json").toFile());
    assertFalse(manifest.at("/gates/promotion/passed").asBoolean(true));
    SparkSession spark = SparkSession.builder().master("local[1]").appName("read-back")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      String warehouse = runs.resolve("warehouse").toString();
      for (String table : List.of("eval_results", "eval_summary", "train_metrics", "rejects")) {
        spark.read().parquet(warehouse + "/" + table).createOrReplaceTempView(table);
      }
      for (String phase : List.of("base", "aligned", "final")) {
        JsonNode eval = manifest.at("/evaluations/" + phase);
        Row overall = spark.sql("SELECT COUNT(*) AS n, AVG(CAST(passed AS DOUBLE)) AS pass_rate FROM eval_results"
            + " WHERE run_id = 'submit-real' AND phase = 'evaluate_" + phase + "'").first();
        assertEquals(eval.get("prompts").asLong(), overall.getLong(0), phase + " prompts");
        assertEquals(40, overall.getLong(0), phase + ": 20 AdvBench + 20 XSTest prompts");
        assertEquals(eval.get("pass_rate").asDouble(), overall.getDouble(1), 1e-12, phase + " pass rate");
        assertTrue(out.contains(String.format(java.util.Locale.ROOT, "evaluate_%s: pass rate %.3f over 40 prompts",
            phase, eval.get("pass_rate").asDouble())), phase + " console line" + diagnostics);
        Row all = spark.sql("SELECT n, pass_rate, distinct_2, perplexity FROM eval_summary WHERE run_id = 'submit-real'"
            + " AND phase = 'evaluate_" + phase + "' AND category = 'ALL'").first();
        assertEquals(40, all.getLong(0), phase + " ALL row n");
        assertEquals(eval.get("pass_rate").asDouble(), all.getDouble(1), 1e-12, phase + " summary pass rate");
        assertEquals(eval.get("distinct_2").asDouble(), all.getDouble(2), 1e-12, phase + " summary distinct-2");
        assertEquals(eval.get("perplexity").asDouble(), all.getDouble(3), 1e-9, phase + " summary perplexity");
        long categoryPasses = spark.sql("SELECT SUM(passes) FROM eval_summary WHERE run_id = 'submit-real'"
            + " AND phase = 'evaluate_" + phase + "' AND category <> 'ALL'").first().getLong(0);
        assertEquals(Math.round(eval.get("pass_rate").asDouble() * 40), categoryPasses, phase + " passes by category");
      }
      // one row per step and metric, no duplicates; the align phase's losses finite
      for (String phase : List.of("align", "finetune")) {
        Row steps = spark.sql("SELECT COUNT(DISTINCT step), MIN(step), MAX(step) FROM train_metrics"
            + " WHERE run_id = 'submit-real' AND phase = '" + phase + "' AND metric = 'loss'").first();
        assertEquals(4L, steps.getLong(0), phase + " steps");
        long duplicates = spark.sql("SELECT COUNT(*) FROM (SELECT step, metric, COUNT(*) c FROM train_metrics"
            + " WHERE run_id = 'submit-real' AND phase = '" + phase + "' GROUP BY step, metric HAVING c > 1)")
            .first().getLong(0);
        assertEquals(0, duplicates, phase + " duplicated metric rows");
      }
      Dataset<Row> losses = spark.sql("SELECT value FROM train_metrics WHERE run_id = 'submit-real'"
          + " AND metric = 'loss'");
      for (Row r : losses.collectAsList()) {
        assertTrue(Double.isFinite(r.getDouble(0)), "loss " + r.getDouble(0));
      }
      // the rejects table holds exactly the records the console said were rejected, with file and line
      long rejected = spark.sql("SELECT COUNT(*) FROM rejects WHERE run_id = 'submit-real' AND line > 0"
          + " AND source_file LIKE '%hh-300.jsonl'").first().getLong(0);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[align\\] data: 300 records read, (\\d+) pairs kept,"
          + " (\\d+) rejected").matcher(out);
      assertTrue(m.find(), diagnostics);
      assertEquals(Long.parseLong(m.group(2)), rejected, "rejects rows vs console");
      assertEquals(300, Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)), "read = kept + rejected");
    } finally {
      spark.stop();
    }
  }

  /** The java command line bin/spark-submit would exec: what Spark's launcher prints, NUL-separated. */
  static List<String> sparkSubmitCommand(String sparkHome, List<String> submitArgs) throws Exception {
    List<String> launcher = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
        "-cp", sparkHome + "/jars/*", "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit"));
    launcher.addAll(submitArgs);
    ProcessBuilder builder = new ProcessBuilder(launcher).redirectErrorStream(false);
    builder.environment().put("SPARK_HOME", sparkHome);
    Process p = builder.start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String errors = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "Spark's launcher failed: " + errors);
    List<String> command = new ArrayList<>();
    for (String part : printed.split("\0")) {
      String arg = part.strip();
      if (!arg.isEmpty()) {
        command.add(arg);
      }
    }
    assertTrue(command.contains("org.apache.spark.deploy.SparkSubmit"), "launcher output: " + printed);
    return command;
  }

  /** From Spark's JSON event log: for each job description prefix, the executors that ran its tasks. */
  static Map<String, Set<String>> executorsByJobPrefix(Path eventDir, List<String> prefixes) throws IOException {
    Map<Integer, String> stageToPrefix = new HashMap<>();
    Map<String, Set<String>> out = new HashMap<>();
    List<Path> logs;
    // Spark 4 rolls event logs by default: eventlog_v2_<app>/events_<n>_<app>, in order of n (a single
    // log is <app>); Hadoop writes hidden .crc files beside them
    try (Stream<Path> files = Files.walk(eventDir)) {
      logs = files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().startsWith("events_") || f.getFileName().toString().startsWith("local-"))
          .sorted(java.util.Comparator.comparing(SparkSubmitPipelineIT::rollingIndex)).toList();
    }
    assertFalse(logs.isEmpty(), "no event log in " + eventDir);
    List<String> lines = new ArrayList<>();
    for (Path log : logs) {
      lines.addAll(Files.readAllLines(log, StandardCharsets.UTF_8));
    }
    for (String line : lines) {
      JsonNode event = JSON.readTree(line);
      String type = event.path("Event").asText();
      if (type.equals("SparkListenerJobStart")) {
        String description = event.path("Properties").path("spark.job.description").asText("");
        for (String prefix : prefixes) {
          if (description.startsWith(prefix)) {
            event.path("Stage IDs").forEach(id -> stageToPrefix.put(id.asInt(), prefix));
          }
        }
      } else if (type.equals("SparkListenerTaskEnd")) {
        String prefix = stageToPrefix.get(event.path("Stage ID").asInt());
        if (prefix != null && event.path("Task End Reason").path("Reason").asText().equals("Success")) {
          out.computeIfAbsent(prefix, k -> new TreeSet<>()).add(event.path("Task Info").path("Executor ID").asText());
        }
      }
    }
    return out;
  }

  static int rollingIndex(Path file) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^events_(\\d+)_").matcher(file.getFileName().toString());
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  static Path sharedData() {
    String root = System.getProperty("aligntune.shared.data");
    assumeTrue(root != null && !root.isBlank(), "aligntune.shared.data is not set; skipping");
    Path path = Paths.get(root);
    assumeTrue(Files.isDirectory(path), "shared test data " + path + " is absent; skipping");
    return path;
  }

  static String tail(String text, int chars) {
    return text.length() <= chars ? text : text.substring(text.length() - chars);
  }
}
