package io.aligntune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
import io.aligntune.spark.testing.RealPipelineRun;
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
 * steps; {@link RealPipelineRun#checkAgreement} holds tables, manifest and console report to one account.
 */
class SparkSubmitPipelineIT {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void realPipelineThroughSparkSubmitOnTwoExecutorJvms(@TempDir Path dir) throws Exception {
    Path shared = RealPipelineRun.sharedData();
    Path jar = Paths.get(System.getProperty("aligntune.jar", "target/aligntune.jar"));
    String sparkHome = System.getenv("SPARK_HOME");
    // set only by the integration-test execution of modules/cli/pom.xml (after `package` built the jar)
    assumeTrue(sparkHome != null, "SPARK_HOME is not set: this test runs in the integration-test phase");
    assertTrue(Files.isRegularFile(jar), "the shaded jar must be built before this test (mvn verify): " + jar);
    assertTrue(Files.isDirectory(Paths.get(sparkHome, "jars")),
        "SPARK_HOME/jars (modules/spark-dist) must be prepared by the build: " + sparkHome);
    Path config = RealPipelineRun.writeConfig(dir, shared, Paths.get("../../data-samples").toAbsolutePath().normalize());
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
    String diagnostics = "\n--- stdout\n" + out + "\n--- stderr (tail)\n" + AligntuneProcess.tail(Files.readString(stderr), 6000);
    assertTrue(finished, "spark-submit did not finish in 15 minutes" + diagnostics);

    // the promotion gate refuses (stories260K cannot reach 95%), and spark-submit (client mode) returns
    // the job's exit code 3, which a scheduler acts on
    assertEquals(3, process.exitValue(), "exit code" + diagnostics);

    // both executor JVMs did training work
    Map<String, Set<String>> executorsByJob = executorsByJobPrefix(events, List.of("DPO step", "SFT step"));
    assertEquals(Set.of("0", "1"), executorsByJob.get("DPO step"), "executors of DPO steps" + diagnostics);
    assertEquals(Set.of("0", "1"), executorsByJob.get("SFT step"), "executors of SFT steps" + diagnostics);

    SparkSession spark = SparkSession.builder().master("local[1]").appName("read-back")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      RealPipelineRun.checkAgreement(spark, dir, out);
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

}
