package io.aligntune.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.eval.gate.GateCheck;
import io.aligntune.eval.gate.GateDecision;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

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

  RunManifest(AlignTuneConfig config, String runDir, RunInputs checked) {
    this.runDir = runDir;
    root.put("run_id", config.run().id());
    root.put("run_date", config.run().date());
    root.put("written_at", Instant.now().toString());
    root.put("config_file", config.source());
    root.put("config_sha256", config.hash());
    root.set("config", config.document());
    ObjectNode inputs = root.putObject("inputs");
    ObjectNode sets = PhaseLedger.node();
    for (RunInputs.Input in : checked.all().values()) {
      inputs.put(in.path(), "sha256:" + in.sha256());
      if (in.isSet()) { // a glob or folder: the combined hash above, each matched file here
        ObjectNode set = sets.putObject(in.path());
        set.put("field", in.field());
        set.put("file_count", in.files().size());
        ObjectNode files = set.putObject("files");
        in.files().forEach((uri, sha) -> files.put(uri, "sha256:" + sha));
      }
    }
    if (!sets.isEmpty()) {
      root.set("input_sets", sets);
    }
    lineage = root.putArray("lineage");
    phases = root.putObject("phases");
    evaluations = root.putObject("evaluations");
    gates = root.putObject("gates");
  }

  /** Per eval suite: records read, prompts accepted, records rejected (the rejects table holds them once). */
  void evalSuites(JsonNode suites) {
    ObjectNode n = root.putObject("eval_suites");
    long rejected = 0;
    if (suites != null) {
      n.set("by_suite", suites);
      for (JsonNode s : suites) {
        rejected += s.get("rejected").asLong();
      }
    }
    n.put("rejected", rejected);
  }

  /**
   * Whether the alignment phase ran, and why.
   *
   * @param needed the base model's pass rate is below the gate's threshold
   * @param forced {@code gates.force_alignment} is set
   * @param ran the align phase ran (or was reused) in this run
   * @param decision the gate's sentence
   * @param skippedReason why it did not run, null when it ran
   */
  void alignment(boolean needed, boolean forced, boolean ran, String decision, String skippedReason) {
    ObjectNode a = root.putObject("alignment");
    a.put("needed", needed);
    a.put("forced", forced);
    a.put("ran", ran);
    a.put("decision", decision);
    if (skippedReason == null) {
      a.putNull("skipped_reason");
    } else {
      a.put("skipped_reason", skippedReason);
    }
  }

  void lineageSkipped(String stage, String reason) {
    ObjectNode n = lineage.addObject();
    n.put("stage", stage);
    n.put("skipped", reason);
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

  /**
   * A gate's decision: {@code passed}, every check with its own flag ({@code check, passed, value, limit,
   * detail}) and {@code reasons}, the failed checks' details only (empty when it passed).
   */
  void gate(String name, GateDecision decision) {
    ObjectNode g = gates.putObject(name);
    g.put("passed", decision.passed());
    ArrayNode checks = g.putArray("checks");
    for (GateCheck c : decision.checks()) {
      checks.addObject().put("check", c.check()).put("passed", c.passed()).put("value", c.value())
          .put("limit", c.limit()).put("detail", c.detail());
    }
    ArrayNode r = g.putArray("reasons");
    decision.reasons().forEach(r::add);
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
