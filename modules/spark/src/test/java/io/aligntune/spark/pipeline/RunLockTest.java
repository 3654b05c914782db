package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aligntune.core.config.AlignTuneConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One attempt per run id at a time; a dead attempt's lock goes stale and is taken over. */
class RunLockTest {

  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @Test
  void aSecondAttemptIsRefusedWhileTheFirstHoldsTheLockAndAdmittedAfter(@TempDir Path dir) throws Exception {
    String runDir = dir.resolve("r1").toString();
    try (RunLock first = RunLock.acquire(runDir, "r1", QUIET)) {
      IllegalStateException refused = assertThrows(IllegalStateException.class, () -> RunLock.acquire(runDir, "r1", QUIET));
      assertTrue(refused.getMessage().startsWith("run r1 is already running: attempt ") && refused.getMessage()
          .contains(dir.resolve("r1/_LOCK.json").toString()), refused.getMessage());
    }
    assertFalse(Files.exists(dir.resolve("r1/_LOCK.json")), "closing releases the lock");
    RunLock.acquire(runDir, "r1", QUIET).close();
  }

  @Test
  void aLockWhoseHeartbeatIsOldIsTakenOverWithANotice(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("r2"));
    Files.writeString(dir.resolve("r2/_LOCK.json"), "{\"run_id\": \"r2\", \"owner\": \"123@dead-host\", \"started_at\": \""
        + Instant.now().minusSeconds(3600) + "\", \"heartbeat_at\": \"" + Instant.now().minusSeconds(600) + "\"}");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (RunLock lock = RunLock.acquire(dir.resolve("r2").toString(), "r2", new PrintStream(log, true, StandardCharsets.UTF_8))) {
      String text = log.toString(StandardCharsets.UTF_8);
      assertTrue(text.contains("[run] taking over the lock of attempt 123@dead-host, whose last heartbeat was 600 s ago")
          || text.contains("whose last heartbeat was 601 s ago"), text);
      assertFalse(Files.readString(dir.resolve("r2/_LOCK.json")).contains("dead-host"), "the lock is ours now");
    }
    // a lock half-written by a dying attempt is taken over too
    Files.writeString(dir.resolve("r2/_LOCK.json"), "{\"run_id\": \"r2\", \"own");
    RunLock.acquire(dir.resolve("r2").toString(), "r2", QUIET).close();
  }

  @Test
  void aFreshLockOfAProcessGoneFromThisHostIsTakenOverAtOnce(@TempDir Path dir) throws Exception {
    // kill -9 and an immediate re-run: the lock's heartbeat is fresh but its process no longer exists
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String self = java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
    String owner = gone.pid() + self.substring(self.indexOf('@'));
    Files.createDirectories(dir.resolve("r4"));
    Files.writeString(dir.resolve("r4/_LOCK.json"), "{\"run_id\": \"r4\", \"owner\": \"" + owner + "\", \"started_at\": \""
        + Instant.now() + "\", \"heartbeat_at\": \"" + Instant.now() + "\"}");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (RunLock lock = RunLock.acquire(dir.resolve("r4").toString(), "r4", new PrintStream(log, true, StandardCharsets.UTF_8))) {
      assertTrue(log.toString(StandardCharsets.UTF_8).contains("whose process no longer exists on this host"),
          log.toString(StandardCharsets.UTF_8));
    }
    // a live process of this host (this JVM's parent stands in) keeps its fresh lock, and the refusal says
    // when a dead one elsewhere would go stale
    String alive = ProcessHandle.current().parent().map(ProcessHandle::pid).orElseThrow() + self.substring(self.indexOf('@'));
    Files.writeString(dir.resolve("r4/_LOCK.json"), "{\"run_id\": \"r4\", \"owner\": \"" + alive + "\", \"started_at\": \""
        + Instant.now() + "\", \"heartbeat_at\": \"" + Instant.now() + "\"}");
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> RunLock.acquire(dir.resolve("r4").toString(), "r4", QUIET));
    assertTrue(refused.getMessage().contains("its lock goes stale once its heartbeat is 60 s old, in about"),
        refused.getMessage());
  }

  @Test
  void theHolderKeepsItsHeartbeatFresh(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("r3/_LOCK.json");
    try (RunLock lock = RunLock.acquire(dir.resolve("r3").toString(), "r3", QUIET, Duration.ofMillis(50),
        Duration.ofSeconds(60))) {
      String first = new ObjectMapper().readTree(file.toFile()).get("heartbeat_at").asText();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      String now = first;
      while (now.equals(first) && System.nanoTime() < deadline) {
        Thread.sleep(20);
        try {
          now = new ObjectMapper().readTree(file.toFile()).get("heartbeat_at").asText();
        } catch (java.io.IOException | NullPointerException e) {
          // read while being rewritten: try again
        }
      }
      assertNotEquals(first, now, "the heartbeat advanced");
    }
  }

  @Test
  void thePipelineRefusesAConcurrentAttemptBeforeAnyPhase(@TempDir Path out) throws Exception {
    Path samples = Paths.get("../../data-samples").toAbsolutePath().normalize();
    AlignTuneConfig config = AlignTuneConfig.parse("lock-test.yaml", String.join("\n",
        "run: {id: busy, seed: 5, output_dir: '" + out + "', date: '2026-12-01'}",
        "model: {init: {hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4,",
        "        num_key_value_heads: 2, max_position_embeddings: 512, seed: 9}}",
        "pipeline: {order: [align]}",
        "evaluation: {suites: [{path: '" + samples.resolve("eval_suite.jsonl") + "', format: jsonl}]}",
        "align: {data: ['" + samples.resolve("preferences.jsonl") + "']}",
        "output: {warehouse: '" + out.resolve("warehouse") + "'}",
        ""));
    try (RunLock running = RunLock.acquire(out.resolve("busy").toString(), "busy", QUIET)) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      // no Spark session: the refusal comes before anything would use one
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> PipelineJob.run(null, config, new PrintStream(log, true, StandardCharsets.UTF_8)));
      assertTrue(refused.getMessage().startsWith("run busy is already running"), refused.getMessage());
      assertFalse(Files.exists(out.resolve("busy/" + PhaseLedger.RUN_RECORD)), "nothing of the run was written");
    }
  }
}
