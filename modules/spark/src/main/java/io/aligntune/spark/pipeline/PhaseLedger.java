package io.aligntune.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Which phases of a run have finished, with what result: one small JSON marker per phase folder, written
 * when the phase completes. A re-run after a crash skips finished phases and resumes the interrupted one
 * from its checkpoints; a finished run re-run does nothing twice.
 *
 * <p>Each marker records the phase's {@linkplain PhaseFingerprint fingerprint} (the config fields it reads,
 * the hashes of its input files and its input model's identity). A finished phase is reused only when the
 * re-run's fingerprint is the same: otherwise the manifest would list the new inputs next to a model made
 * from the old ones, so {@link #finished} refuses, naming the phase and every changed item.
 *
 * <p>The ledger also records the run's date at the first attempt ({@link #runDate}), so that a run resumed
 * after midnight keeps writing to the same {@code run_date} partitions.
 */
final class PhaseLedger {

  static final String MARKER = "_PHASE_DONE.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String runDir;

  PhaseLedger(String runDir) {
    this.runDir = runDir;
  }

  /** The run-level record: run id and date of the first attempt. */
  static final String RUN_RECORD = "_RUN.json";

  /** Thrown when a finished phase's recorded fingerprint differs from the re-run's. */
  static final class InputsChangedException extends IllegalStateException {
    InputsChangedException(String message) {
      super(message);
    }
  }

  /**
   * The finished phase's result, when it finished with the same fingerprint.
   *
   * @return empty when the phase has not finished
   * @throws InputsChangedException when it finished with another fingerprint
   */
  Optional<ObjectNode> finished(String phase, PhaseFingerprint fingerprint, String runId) throws IOException {
    Optional<ObjectNode> done = read(phase);
    if (done.isEmpty()) {
      return done;
    }
    JsonNode recorded = done.get().get("fingerprint");
    List<String> changes = fingerprint.changesFrom(recorded);
    if (!changes.isEmpty()) {
      throw new InputsChangedException("run " + runId + ": phase " + phase + " already finished with other inputs, so it"
          + " cannot be reused (the manifest would record the new inputs next to results made from the old ones)."
          + " What changed since it ran:\n  " + String.join("\n  ", changes) + "\nGive the changed config a new"
          + " run.id (or restore the inputs above to resume run " + runId + " as it was).");
    }
    return done;
  }

  /** Finished without a fingerprint check: for the run's own bookkeeping and tests. */
  Optional<ObjectNode> read(String phase) throws IOException {
    Path marker = new Path(runDir + "/" + phase, MARKER);
    FileSystem fs = HadoopFiles.fileSystem(marker.toString());
    if (!fs.exists(marker)) {
      return Optional.empty();
    }
    try (InputStream in = fs.open(marker)) {
      return Optional.of((ObjectNode) JSON.readTree(in));
    }
  }

  void markFinished(String phase, PhaseFingerprint fingerprint, ObjectNode result) throws IOException {
    result.set("fingerprint", fingerprint.toJson());
    commit(new Path(runDir + "/" + phase, MARKER), result);
  }

  /**
   * The run date this run id recorded at its first attempt; records {@code date} when there is none yet.
   * A later attempt that did not set {@code run.date} explicitly adopts the recorded date; one that did
   * and disagrees is refused (its rows would split across two {@code run_date} partitions).
   */
  String runDate(String runId, String date, boolean explicit) throws IOException {
    Path record = new Path(runDir, RUN_RECORD);
    FileSystem fs = HadoopFiles.fileSystem(record.toString());
    if (fs.exists(record)) {
      String recorded;
      try (InputStream in = fs.open(record)) {
        recorded = JSON.readTree(in).get("run_date").asText();
      }
      if (explicit && !recorded.equals(date)) {
        throw new IllegalArgumentException("run " + runId + " was started with run date " + recorded + " (" + record
            + "); this attempt gives " + date + ". A run keeps one date so that its table rows stay in one run_date"
            + " partition: resume it with run date " + recorded + " (or leave the date out), or use a new run.id");
      }
      return recorded;
    }
    ObjectNode n = node();
    n.put("run_id", runId);
    n.put("run_date", date);
    n.put("run_date_explicit", explicit);
    n.put("first_attempt_at", java.time.Instant.now().toString());
    commit(record, n);
    return date;
  }

  private static void commit(Path marker, ObjectNode result) throws IOException {
    Path temp = marker.suffix(".tmp");
    FileSystem fs = HadoopFiles.fileSystem(marker.toString());
    try (OutputStream out = fs.create(temp, true)) {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result).getBytes(StandardCharsets.UTF_8));
    }
    fs.delete(marker, false);
    if (!fs.rename(temp, marker)) {
      throw new IOException("could not commit " + marker);
    }
  }

  static ObjectNode node() {
    return JSON.createObjectNode();
  }
}
