package io.aligntune.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * One attempt at a time per run id. Two attempts of the same run (a scheduler's retry while the first
 * is still running, two people starting the same config) would write the same checkpoints, manifest and
 * table partitions, silently. The first attempt creates {@code <run dir>/_LOCK.json} (create-if-absent,
 * atomic on HDFS and the local file system) and rewrites its heartbeat every {@code heartbeat}; a second
 * attempt is refused while the heartbeat is fresh. A lock whose heartbeat is older than {@code staleAfter}
 * belongs to a driver that died without cleaning up (kill -9, lost node) and is taken over, so a crashed
 * run can still be resumed. Normal exit and JVM shutdown (Ctrl-C, SIGTERM) remove the lock.
 */
final class RunLock implements AutoCloseable {

  static final String FILE = "_LOCK.json";
  static final Duration HEARTBEAT = Duration.ofSeconds(10);
  static final Duration STALE_AFTER = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Before Hadoop closes its cached file systems (priority 10), so the lock can still be deleted. */
  private static final int SHUTDOWN_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 5;

  private final Path path;
  private final FileSystem fs;
  private final ObjectNode content;
  private final ScheduledExecutorService heartbeat;
  private final Runnable onShutdown;
  private boolean released;

  private RunLock(Path path, FileSystem fs, ObjectNode content, Duration every) {
    this.path = path;
    this.fs = fs;
    this.content = content;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aligntune-run-lock-heartbeat");
      t.setDaemon(true);
      return t;
    });
    heartbeat.scheduleAtFixedRate(this::beat, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    this.onShutdown = this::close;
    ShutdownHookManager.get().addShutdownHook(onShutdown, SHUTDOWN_PRIORITY);
  }

  static RunLock acquire(String runDir, String runId, PrintStream console) throws IOException {
    return acquire(runDir, runId, console, HEARTBEAT, STALE_AFTER);
  }

  static RunLock acquire(String runDir, String runId, PrintStream console, Duration heartbeat, Duration staleAfter)
      throws IOException {
    Path path = new Path(runDir, FILE);
    FileSystem fs = HadoopFiles.fileSystem(path.toString());
    ObjectNode content = JSON.createObjectNode();
    content.put("run_id", runId);
    content.put("owner", ManagementFactory.getRuntimeMXBean().getName()); // pid@host
    content.put("started_at", Instant.now().toString());
    content.put("heartbeat_at", Instant.now().toString());
    if (!tryCreate(fs, path, content)) {
      JsonNode holder = read(fs, path);
      Duration age = holder == null ? null : Duration.between(Instant.parse(holder.get("heartbeat_at").asText()), Instant.now());
      boolean goneHere = holder != null && deadOnThisHost(holder.get("owner").asText());
      if (age != null && age.compareTo(staleAfter) < 0 && !goneHere) {
        throw new IllegalStateException("run " + runId + " is already running: attempt " + holder.get("owner").asText()
            + " started " + holder.get("started_at").asText() + ", last heartbeat " + age.toSeconds() + " s ago (" + path
            + "). Two attempts would write the same checkpoints and table partitions; wait for it to finish, or stop it."
            + " If it is dead (killed on another machine), its lock goes stale once its heartbeat is "
            + staleAfter.toSeconds() + " s old, in about " + Math.max(1, staleAfter.minus(age).toSeconds())
            + " s: run again then and this run continues where it stopped.");
      }
      console.println("[run] taking over the lock of attempt " + (holder == null ? "(unreadable)" : holder.get("owner").asText()
          + (goneHere ? ", whose process no longer exists on this host" : ", whose last heartbeat was " + age.toSeconds()
          + " s ago")) + ": it stopped without releasing it");
      fs.delete(path, false);
      if (!tryCreate(fs, path, content)) {
        throw new IllegalStateException("run " + runId + ": another attempt took the stale lock " + path + " first");
      }
    }
    return new RunLock(path, fs, content, heartbeat);
  }

  /**
   * Whether {@code owner} ("pid@host", as {@link ManagementFactory} names a JVM) is a process of this host
   * that no longer runs: then its lock need not wait to go stale (kill -9 and an immediate re-run).
   */
  static boolean deadOnThisHost(String owner) {
    int at = owner.indexOf('@');
    String self = ManagementFactory.getRuntimeMXBean().getName();
    if (at <= 0 || !owner.substring(at).equals(self.substring(self.indexOf('@')))) {
      return false;
    }
    try {
      long pid = Long.parseLong(owner.substring(0, at));
      return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean tryCreate(FileSystem fs, Path path, ObjectNode content) throws IOException {
    try (OutputStream out = fs.create(path, false)) {
      out.write(JSON.writeValueAsBytes(content));
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      // some file systems report an existing file with a plain IOException
      if (fs.exists(path)) {
        return false;
      }
      throw e;
    }
  }

  private static JsonNode read(FileSystem fs, Path path) throws IOException {
    try (InputStream in = fs.open(path)) {
      JsonNode n = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return n != null && n.hasNonNull("heartbeat_at") && n.hasNonNull("owner") ? n : null;
    } catch (IOException | RuntimeException e) {
      return null; // half-written by a dying attempt: treated as stale
    }
  }

  private synchronized void beat() {
    if (released) {
      return;
    }
    content.put("heartbeat_at", Instant.now().toString());
    try (OutputStream out = fs.create(path, true)) {
      out.write(JSON.writeValueAsBytes(content));
    } catch (IOException e) {
      throw new UncheckedIOException("could not refresh the run lock " + path, e);
    }
  }

  @Override
  public synchronized void close() {
    if (released) {
      return;
    }
    released = true;
    heartbeat.shutdownNow();
    try {
      fs.delete(path, false);
    } catch (IOException e) {
      // the lock goes stale on its own; nothing is lost
    }
    if (!ShutdownHookManager.get().isShutdownInProgress()) {
      ShutdownHookManager.get().removeShutdownHook(onShutdown);
    }
  }
}
