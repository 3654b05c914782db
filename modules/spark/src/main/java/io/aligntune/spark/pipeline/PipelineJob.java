package io.aligntune.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.config.EvaluationSettings;
import io.aligntune.core.config.GateSettings;
import io.aligntune.eval.gate.AlignmentDecision;
import io.aligntune.eval.gate.GateConfig;
import io.aligntune.eval.gate.GateDecision;
import io.aligntune.eval.gate.QualityGate;
import io.aligntune.spark.align.AlignJob;
import io.aligntune.spark.data.DatasetManifest;
import io.aligntune.spark.eval.EvalJob;
import io.aligntune.spark.eval.EvalReport;
import io.aligntune.spark.eval.EvalSettings;
import io.aligntune.spark.eval.EvalSuiteSource;
import io.aligntune.spark.eval.EvalTables;
import io.aligntune.spark.eval.EvalTokenizer;
import io.aligntune.spark.eval.GenerationSettings;
import io.aligntune.spark.eval.SuiteFormat;
import io.aligntune.spark.io.HadoopFiles;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.sft.FinetuneJob;
import io.aligntune.train.loop.StepRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;

/**
 * {@code aligntune run}: evaluate the base → align (DPO) → fine-tune (SFT, from the aligned weights) →
 * evaluate → gate → promote. Each phase checkpoints and leaves a marker when done, so a re-run after a crash
 * resumes at the phase (and step) it stopped at. Writes the eval and training tables and a run manifest
 * with inputs, hashes, checkpoints, metrics, gate decisions and the lineage from base to promoted model.
 */
public final class PipelineJob {

  /** Exit code of a run whose gate refused promotion (0 = promoted, 1 = error). */
  public static final int GATE_FAILED = 3;

  /**
   * @param promoted whether the final model passed the gates and was promoted
   * @param reasons why the gate refused: the failed checks' details (empty when promoted)
   * @param manifest URI of the run manifest
   * @param promotedModel URI of the promoted model, or null
   */
  public record Outcome(boolean promoted, List<String> reasons, String manifest, String promotedModel,
      double basePassRate, double finalPassRate) {
    public int exitCode() {
      return promoted ? 0 : GATE_FAILED;
    }
  }

  private PipelineJob() {}

  public static Outcome run(SparkSession spark, AlignTuneConfig config, PrintStream console) throws IOException {
    EvaluationSettings evaluation = config.evaluation();
    if (evaluation.suites().isEmpty()) {
      throw new IllegalArgumentException(config.source() + ": evaluation.suites is required for `run`: the gates need a "
          + "behaviour suite (give at least one {path, format})");
    }
    RunInputs inputs = RunInputs.check(config); // every missing input at once, before any phase runs
    String runDir = config.run().outputDir() + "/" + config.run().id();
    try (RunLock lock = RunLock.acquire(runDir, config.run().id(), console)) {
      return runLocked(spark, config, console, inputs, runDir);
    }
  }

  /** The run, with its run id locked against a concurrent attempt. */
  private static Outcome runLocked(SparkSession spark, AlignTuneConfig config, PrintStream console, RunInputs inputs,
      String runDir) throws IOException {
    PhaseLedger ledger = new PhaseLedger(runDir);
    String runDate = ledger.runDate(config.run().id(), config.run().date(), config.run().dateGiven());
    if (!runDate.equals(config.run().date())) {
      console.println("[run] resuming run " + config.run().id() + " with the run date of its first attempt, " + runDate
          + " (today's default would be " + config.run().date() + ")");
      config = config.withRecordedRunDate(runDate);
    }
    RunManifest manifest = new RunManifest(config, runDir, inputs);
    ModelLocation base = ModelLocation.resolve(config.model());
    if (config.model().isRandom()) {
      console.println("[run] no model.path: initialising a random tiny Llama from model.init (seed "
          + config.model().initSeed() + ") with the built-in byte tokenizer; outputs are noise, every phase is real");
    }
    manifest.lineage("base", base.base().describe(), base.base().contentHash());
    QualityGate gate = new QualityGate(gateConfig(config.gates()));
    Phases phases = new Phases(spark, config, inputs, ledger, manifest, console, tokenizerIdentity(base));

    Evaluated baseEval = phases.evaluate("evaluate_base", "base", base);
    manifest.evaluation("base", baseEval);
    manifest.evalSuites(baseEval.suites());
    console.println("[run] eval suites: " + suitesLine(baseEval.suites()));
    AlignmentDecision decision = gate.alignmentNeeded(baseEval.passRate());
    console.println("[run] gate before alignment: " + decision.reason());

    ModelLocation current = base;
    Evaluated alignedEval = null;
    String alignSkipped = config.pipeline().order().contains("align") ? null : "align is not in pipeline.order";
    if (alignSkipped != null) {
      manifest.lineageSkipped("aligned", alignSkipped);
    }
    boolean trained = false;
    for (String phase : config.pipeline().order()) {
      if (phase.equals("align")) {
        if (!config.align().enabled() || !decision.alignmentNeeded()) {
          alignSkipped = !config.align().enabled() ? "align is not configured" : decision.reason();
          console.println("[run] align: " + (!config.align().enabled() ? "not configured, skipped" : "skipped by the gate"));
          manifest.lineageSkipped("aligned", alignSkipped);
          continue;
        }
        current = phases.align(current);
        alignedEval = phases.evaluate("evaluate_aligned", "aligned", current);
        manifest.evaluation("aligned", alignedEval);
        trained = true;
      } else {
        if (!config.finetune().enabled()) {
          console.println("[run] finetune: not configured, skipped");
          continue;
        }
        current = phases.finetune(current);
        trained = true;
      }
    }
    GateSettings g = config.gates();
    boolean belowThreshold = new QualityGate(new GateConfig(g.passRateThreshold(), g.maxDropPoints(), g.diversityFloor(),
        false, false, g.maxPerplexityRatio())).alignmentNeeded(baseEval.passRate()).alignmentNeeded();
    manifest.alignment(belowThreshold, g.forceAlignment(), alignedEval != null, decision.reason(), alignSkipped);
    Evaluated finalEval = trained ? phases.evaluate("evaluate_final", "final", current) : baseEval;
    manifest.evaluation("final", finalEval);

    // without alignment the drop check compares the final model with the base model
    double dropReference = alignedEval != null ? alignedEval.passRate() : baseEval.passRate();
    GateDecision promotion = gate.promotion(dropReference, finalEval.passRate(), finalEval.distinct2(),
        baseEval.perplexity(), finalEval.perplexity());
    manifest.gate("promotion", promotion);
    String promotedUri = null;
    if (promotion.passed()) {
      promotedUri = runDir + "/promoted";
      copyModel(current.base().uri(), promotedUri, current == base && base.base().uri() == null);
      manifest.lineage("promoted", promotedUri, current.base().contentHash());
    } else if (removeStalePromotion(runDir + "/promoted")) {
      console.println("[run] removed " + runDir + "/promoted, promoted by an earlier attempt of this run id: the gates"
          + " now refuse it");
    }
    String manifestUri = manifest.write();
    console.println("[run] " + (promotion.passed() ? "PROMOTED: " + promotedUri : "NOT PROMOTED") + " — " + promotion.summary());
    if (!promotion.passed() && !promotion.passes().isEmpty()) {
      console.println("[run] gate checks passed: " + String.join("; ", promotion.passes()));
    }
    console.printf(Locale.ROOT, "[run] pass rate: base %.3f, %s, final %.3f; manifest %s%n", baseEval.passRate(),
        alignedEval != null ? String.format(Locale.ROOT, "aligned %.3f", alignedEval.passRate())
            : "alignment skipped (" + alignSkipped + ")", finalEval.passRate(), manifestUri);
    console.println("[run] tables: " + config.output().warehouse() + " (eval_results, eval_summary, train_metrics, rejects)");
    return new Outcome(promotion.passed(), promotion.reasons(), manifestUri, promotedUri, baseEval.passRate(),
        finalEval.passRate());
  }

  /** The tokenizer's identity for fingerprints: its content hash, or its name when built in or inside the model. */
  static String tokenizerIdentity(ModelLocation base) throws IOException {
    String tokenizer = base.tokenizer();
    if (HadoopFiles.isBuiltin(tokenizer) || tokenizer.equals(base.base().uri())) {
      return tokenizer;
    }
    return HadoopFiles.contentHash(tokenizer);
  }

  static String suitesLine(JsonNode suites) {
    long read = 0;
    long accepted = 0;
    long rejected = 0;
    for (JsonNode s : suites) {
      read += s.get("read").asLong();
      accepted += s.get("accepted").asLong();
      rejected += s.get("rejected").asLong();
    }
    return read + " records read, " + accepted + " prompts kept, " + rejected + " rejected"
        + (rejected > 0 ? " (in the rejects table under phase evaluate_base)" : "");
  }

  static boolean removeStalePromotion(String uri) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = HadoopFiles.fileSystem(uri);
    return fs.exists(HadoopFiles.path(uri)) && fs.delete(HadoopFiles.path(uri), true);
  }

  /**
   * An evaluation's numbers the gates need (kept in the ledger so a resumed run need not re-evaluate).
   *
   * @param suites per suite: records read, prompts accepted, records rejected
   */
  record Evaluated(String label, double passRate, double distinct2, double perplexity, long prompts, JsonNode suites) {
    ObjectNode toJson() {
      ObjectNode n = PhaseLedger.node();
      n.put("label", label);
      n.put("pass_rate", passRate);
      n.put("distinct_2", distinct2);
      if (Double.isNaN(perplexity)) { // no held-out text configured: null, never a NaN in JSON
        n.putNull("perplexity");
      } else {
        n.put("perplexity", perplexity);
      }
      n.put("prompts", prompts);
      n.set("suites", suites);
      return n;
    }

    static Evaluated fromJson(ObjectNode n) {
      return new Evaluated(n.get("label").asText(), n.get("pass_rate").asDouble(), n.get("distinct_2").asDouble(),
          n.get("perplexity").isNumber() ? n.get("perplexity").asDouble() : Double.NaN, n.get("prompts").asLong(),
          n.get("suites"));
    }
  }

  /** The phases of one run: each is reused when its ledger entry has the same fingerprint, else computed. */
  private record Phases(SparkSession spark, AlignTuneConfig config, RunInputs inputs, PhaseLedger ledger,
      RunManifest manifest, PrintStream console, String tokenizer) {

    PhaseFingerprint fingerprint(List<String> fields, List<String> paths, ModelLocation model) {
      Map<String, String> hashes = new TreeMap<>();
      paths.forEach(p -> hashes.put(p, inputs.hash(p)));
      return PhaseFingerprint.of(config, fields, hashes, model.base().contentHash() + " (tokenizer " + tokenizer + ")");
    }

    Evaluated evaluate(String phase, String label, ModelLocation model) throws IOException {
      EvaluationSettings e = config.evaluation();
      List<String> paths = new ArrayList<>();
      e.suites().forEach(s -> paths.add(s.path()));
      if (e.heldOutText() != null) {
        paths.add(e.heldOutText());
      }
      PhaseFingerprint fingerprint = fingerprint(List.of("evaluation", "output.warehouse"), paths, model);
      Optional<ObjectNode> done = ledger.finished(phase, fingerprint, config.run().id());
      if (done.isPresent()) {
        console.println("[run] " + phase + ": already done, reusing its result");
        return Evaluated.fromJson(done.get());
      }
      List<EvalSuiteSource> suites = new ArrayList<>();
      for (EvaluationSettings.Suite s : e.suites()) {
        EvalSuiteSource source = EvalSuiteSource.of(s.path(), SuiteFormat.fromConfig(s.format()));
        suites.add(s.limit() > 0 ? new EvalSuiteSource(source.name(), source.path(), source.format(), s.limit()) : source);
      }
      EvalSettings settings = new EvalSettings(label, model.base(), EvalTokenizer.at(model.tokenizer()), suites,
          GenerationSettings.greedy(e.maxNewTokens(), e.batchSize()).withChatTemplate(e.chat()),
          e.judge().equals("refusal") ? null : e.judge(), e.partitions(),
          e.heldOutText());
      console.println("[run] " + phase + ": generating and judging " + label + " responses...");
      EvalReport report = EvalJob.run(spark, settings);
      // the suites are the same in every eval phase: their rejects go to the table once per run, with the base eval
      EvalTables.write(spark, List.of(report), config.output().warehouse(), config.run().date(), phase, config.run().id(),
          phase.equals("evaluate_base"));
      double perplexity = report.heldOut() == null ? Double.NaN : report.heldOut().perplexity();
      ObjectNode suiteCounts = PhaseLedger.node();
      report.suiteReports().forEach((name, q) -> {
        ObjectNode c = suiteCounts.putObject(name);
        c.put("read", q.rowsRead());
        c.put("accepted", q.rowsAccepted());
        c.put("rejected", q.rowsRejected());
      });
      Evaluated result = new Evaluated(label, report.summary().passRate(), report.summary().overall().diversity().distinct2(),
          perplexity, report.summary().overall().n(), suiteCounts);
      console.printf(Locale.ROOT, "[run] %s: pass rate %.3f over %d prompts (95%% CI %.3f-%.3f), distinct-2 %.3f%s%n", phase,
          result.passRate(), result.prompts(), report.summary().overall().passInterval().lower(),
          report.summary().overall().passInterval().upper(), result.distinct2(),
          Double.isNaN(perplexity) ? "" : String.format(Locale.ROOT, ", held-out perplexity %.2f", perplexity));
      ledger.markFinished(phase, fingerprint, result.toJson());
      return result;
    }

    ModelLocation align(ModelLocation input) throws IOException {
      PhaseFingerprint fingerprint = fingerprint(List.of("align", "run.seed", "output.warehouse"), config.align().data(),
          input);
      Optional<ObjectNode> done = ledger.finished("align", fingerprint, config.run().id());
      String model;
      if (done.isPresent()) {
        console.println("[run] align: already done, reusing " + done.get().get("model").asText());
        model = done.get().get("model").asText();
      } else {
        AlignJob.Result r = AlignJob.run(spark, config, input, "align", true, console);
        model = r.mergedModel();
        ObjectNode json = PhaseLedger.node();
        json.put("model", model);
        if (r.adapter() != null) {
          json.put("adapter", r.adapter());
        }
        json.put("steps", r.steps().size());
        summarise(json, r.steps());
        json.put("checkpoints", r.phaseDir() + "/checkpoints");
        dataCounts(json.putObject("data"), r.data().manifest()).put("summary", r.data().summary());
        ledger.markFinished("align", fingerprint, json);
        done = Optional.of(json);
      }
      manifest.phase("align", done.get());
      ModelLocation out = new ModelLocation(ModelSource.at(model, HadoopFiles.contentHash(model)), input.tokenizer());
      manifest.lineage("aligned", model, out.base().contentHash());
      return out;
    }

    ModelLocation finetune(ModelLocation input) throws IOException {
      PhaseFingerprint fingerprint = fingerprint(List.of("finetune", "run.seed", "output.warehouse"),
          config.finetune().data(), input);
      Optional<ObjectNode> done = ledger.finished("finetune", fingerprint, config.run().id());
      String model;
      if (done.isPresent()) {
        console.println("[run] finetune: already done, reusing " + done.get().get("model").asText());
        model = done.get().get("model").asText();
      } else {
        FinetuneJob.Result r = FinetuneJob.run(spark, config, input, "finetune", true, console);
        model = r.mergedModel();
        ObjectNode json = PhaseLedger.node();
        json.put("model", model);
        json.put("steps", r.steps().size());
        json.put("best_step", r.bestStep());
        json.put("stopped_early", r.stoppedEarly());
        json.put("resumed_from", r.resumedFrom());
        summarise(json, r.steps());
        json.put("checkpoints", r.phaseDir() + "/checkpoints");
        dataCounts(json.putObject("data"), r.data()).put("train", r.trainExamples()).put("held_out", r.heldOut())
            .put("summary", r.dataSummary());
        if (r.packing() != null) {
          ObjectNode packing = json.putObject("packing");
          packing.put("examples_in", r.packing().exampleCount());
          packing.put("rows_out", r.packing().rowCount());
          packing.put("row_length", r.packing().rowLength());
          packing.put("real_tokens", r.packing().tokens());
          packing.put("efficiency", r.packing().efficiency());
          packing.put("unpacked_efficiency", r.packing().unpackedEfficiency());
        }
        ledger.markFinished("finetune", fingerprint, json);
        done = Optional.of(json);
      }
      manifest.phase("finetune", done.get());
      ModelLocation out = new ModelLocation(ModelSource.at(model, HadoopFiles.contentHash(model)), input.tokenizer());
      manifest.lineage("finetuned", model, out.base().contentHash());
      return out;
    }
  }

  static void summarise(ObjectNode json, List<StepRecord> steps) {
    if (steps.isEmpty()) {
      return;
    }
    ObjectNode first = json.putObject("first_step");
    steps.get(0).metrics().forEach(first::put);
    ObjectNode last = json.putObject("last_step");
    steps.get(steps.size() - 1).metrics().forEach(last::put);
  }

  /**
   * A training phase's data counts in the manifest, the same fields for both phases: {@code records_read}
   * (input records: lines, array elements, Parquet rows), {@code kept} (pairs or examples trained on),
   * {@code rejected} and {@code rejected_by_reason} (both stages; the rows of the rejects table),
   * {@code blank_lines_skipped} (JSON Lines lines with nothing on them: not records, not in read). A record
   * yields one value in the pair/prompt-completion formats, so there read = kept + rejected; a ranked list
   * yields several pairs.
   */
  static ObjectNode dataCounts(ObjectNode json, DatasetManifest data) {
    DatasetManifest.StageCounts parsing = data.parsing();
    DatasetManifest.StageCounts tokenizing = data.tokenizing();
    json.put("records_read", parsing.read());
    json.put("kept", data.examples());
    json.put("rejected", parsing.rejected() + tokenizing.rejected());
    Map<String, Long> byReason = new TreeMap<>(parsing.rejectsByReason());
    tokenizing.rejectsByReason().forEach((reason, n) -> byReason.merge(reason, n, Long::sum));
    ObjectNode reasons = json.putObject("rejected_by_reason");
    byReason.forEach(reasons::put);
    json.put("blank_lines_skipped", parsing.blankLines());
    return json;
  }

  static GateConfig gateConfig(GateSettings g) {
    return new GateConfig(g.passRateThreshold(), g.maxDropPoints(), g.diversityFloor(), g.forceAlignment(), g.skipAlignment(),
        g.maxPerplexityRatio());
  }

  /** Copies the promoted model's directory (a random base with no training has no files: nothing to copy). */
  static void copyModel(String from, String to, boolean nothingOnDisk) throws IOException {
    if (from == null || nothingOnDisk) {
      return;
    }
    org.apache.hadoop.fs.FileSystem fs = HadoopFiles.fileSystem(to);
    org.apache.hadoop.fs.Path target = HadoopFiles.path(to);
    if (fs.exists(target)) {
      fs.delete(target, true);
    }
    org.apache.hadoop.fs.FileUtil.copy(HadoopFiles.fileSystem(from), HadoopFiles.path(from), fs, target, false,
        new org.apache.hadoop.conf.Configuration());
  }

  static ArrayNode array() {
    return PhaseLedger.node().arrayNode();
  }
}
