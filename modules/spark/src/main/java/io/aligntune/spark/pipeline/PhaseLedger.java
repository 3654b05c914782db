package io.aligntune.spark.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Which phases of a run have finished, with what result: one small JSON marker per phase folder, written
 * when the phase completes. A re-run after a crash skips finished phases and resumes the interrupted one
 * from its checkpoints; a finished run re-run does nothing twice.
 */
final class PhaseLedger {

  static final String MARKER = "_PHASE_DONE.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String runDir;

  PhaseLedger(String runDir) {
    this.runDir = runDir;
  }

  Optional<ObjectNode> finished(String phase) throws IOException {
    Path marker = new Path(runDir + "/" + phase, MARKER);
    FileSystem fs = HadoopFiles.fileSystem(marker.toString());
    if (!fs.exists(marker)) {
      return Optional.empty();
    }
    try (InputStream in = fs.open(marker)) {
      return Optional.of((ObjectNode) JSON.readTree(in));
    }
  }

  void markFinished(String phase, ObjectNode result) throws IOException {
    Path marker = new Path(runDir + "/" + phase, MARKER);
    Path temp = new Path(runDir + "/" + phase, MARKER + ".tmp");
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
