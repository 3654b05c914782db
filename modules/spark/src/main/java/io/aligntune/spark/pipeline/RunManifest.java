package io.aligntune.spark.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.config.EvaluationSettings;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * {@code manifest.json} of a run: run id, the config and its hash, every input with its content hash,
 * checkpoints and metrics per phase, gate decisions, and the lineage from base to promoted model.
 */
final class RunManifest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final String runDir;
  private final ObjectNode root = JSON.createObjectNode();
  private final ArrayNode lineage;
  private final ObjectNode phases;
  private final ObjectNode evaluations;
  private final ObjectNode gates;

  RunManifest(AlignTuneConfig config, String runDir) throws IOException {
    this.runDir = runDir;
    root.put("run_id", config.run().id());
    root.put("run_date", config.run().date());
    root.put("written_at", Instant.now().toString());
    root.put("config_file", config.source());
    root.put("config_sha256", config.hash());
    root.set("config", config.document());
    ObjectNode inputs = root.putObject("inputs");
    for (String data : config.align().enabled() ? config.align().data() : List.<String>of()) {
      inputs.put(data, hashOrNote(data));
    }
    for (String data : config.finetune().enabled() ? config.finetune().data() : List.<String>of()) {
      inputs.put(data, hashOrNote(data));
    }
    for (EvaluationSettings.Suite s : config.evaluation().suites()) {
      inputs.put(s.path(), hashOrNote(s.path()));
    }
    if (config.evaluation().heldOutText() != null) {
      inputs.put(config.evaluation().heldOutText(), hashOrNote(config.evaluation().heldOutText()));
    }
    lineage = root.putArray("lineage");
    phases = root.putObject("phases");
    evaluations = root.putObject("evaluations");
    gates = root.putObject("gates");
  }

  /** A glob or unreadable input is recorded with a note instead of failing the manifest. */
  static String hashOrNote(String uri) {
    try {
      return "sha256:" + HadoopFiles.contentHash(uri);
    } catch (IOException | RuntimeException e) {
      return "unhashed (" + e.getMessage() + ")";
    }
  }

  void lineage(String stage, String model, String hash) {
    ObjectNode n = lineage.addObject();
    n.put("stage", stage);
    n.put("model", model);
    n.put("content_hash", hash);
  }

  void phase(String name, ObjectNode result) {
    phases.set(name, result);
  }

  void evaluation(String label, PipelineJob.Evaluated e) {
    evaluations.set(label, e.toJson());
  }

  void gate(String name, boolean passed, List<String> reasons) {
    ObjectNode g = gates.putObject(name);
    g.put("passed", passed);
    ArrayNode r = g.putArray("reasons");
    reasons.forEach(r::add);
  }

  String write() throws IOException {
    String uri = runDir + "/manifest.json";
    org.apache.hadoop.fs.Path path = HadoopFiles.path(uri);
    try (OutputStream out = HadoopFiles.fileSystem(uri).create(path, true)) {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
    }
    return uri;
  }
}
