package io.aligntune.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A run's whole configuration, read from one YAML file ({@code conf/*.yaml}) and validated on load: every
 * field is typed and range-checked, unknown keys are refused, and every error names the file, the field and
 * what is allowed. Sections other than {@code run}, {@code model}, {@code align} and {@code output} are read
 * by the pipeline ({@link #document()} keeps the raw tree for them).
 */
public record AlignTuneConfig(String source, RunSettings run, ModelSettings model, AlignSettings align,
    FinetuneSettings finetune, EvaluationSettings evaluation, GateSettings gates, PipelineSettings pipeline,
    OutputSettings output, JsonNode document, String hash) {

  // a repeated key (a second `run:` block) must not silently replace the first
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

  /** Sections a config may hold; the pipeline defines those beyond align. */
  public static final java.util.List<String> SECTIONS =
      java.util.List.of("run", "model", "pipeline", "align", "finetune", "evaluation", "gates", "output");

  public static AlignTuneConfig parse(String source, String yaml) {
    JsonNode doc;
    try {
      doc = YAML.readTree(yaml);
    } catch (com.fasterxml.jackson.core.JsonParseException e) {
      String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
        throw new ConfigException(source + ": key " + e.getOriginalMessage().substring("Duplicate field ".length())
            + " appears twice in the same mapping" + line + "; a second one would silently replace the first: merge them");
      }
      throw new ConfigException(source + ": not valid YAML" + line + ": " + e.getOriginalMessage().split("\n")[0]);
    } catch (IOException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getMessage().split("\n")[0]);
    }
    ConfigNode root = new ConfigNode(source, "", doc);
    RunSettings run = RunSettings.from(root.section("run"));
    ModelSettings model = ModelSettings.from(root.section("model"));
    boolean hasAlign = root.has("align");
    AlignSettings align = AlignSettings.from(root.section("align"), hasAlign);
    FinetuneSettings finetune = FinetuneSettings.from(root.section("finetune"), root.has("finetune"));
    EvaluationSettings evaluation = EvaluationSettings.from(root.section("evaluation"), source,
        doc == null ? null : doc.get("evaluation"));
    GateSettings gates = GateSettings.from(root.section("gates"));
    if (gates.maxPerplexityRatio() > 0 && evaluation.heldOutText() == null) {
      throw new ConfigException(source + ": gates.max_perplexity_ratio needs evaluation.held_out_text (the text whose"
          + " perplexity it compares); set one or remove the gate");
    }
    PipelineSettings pipeline = PipelineSettings.from(root.section("pipeline"));
    OutputSettings output = OutputSettings.from(root.section("output"), run.outputDir());
    root.rejectUnknown();
    return new AlignTuneConfig(source, run, model, align, finetune, evaluation, gates, pipeline, output, doc,
        sha256(yaml));
  }

  public static AlignTuneConfig load(java.nio.file.Path file) throws IOException {
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw new ConfigException(file + ": config file not found (give a YAML file, e.g. conf/quickstart.yaml)");
    }
    return parse(file.toString(), java.nio.file.Files.readString(file, StandardCharsets.UTF_8));
  }

  /** The same config with another run date (the scheduler's --run-date), validated as the YAML field is. */
  public AlignTuneConfig withRunDate(String date) {
    try {
      java.time.LocalDate.parse(date);
    } catch (java.time.format.DateTimeParseException e) {
      throw new ConfigException("--run-date '" + date + "' is not an ISO date like 2026-12-03");
    }
    RunSettings r = new RunSettings(run.idTemplate().replace("{date}", date), date, run.seed(), run.master(),
        run.outputDir(), run.idTemplate(), true);
    return new AlignTuneConfig(source, r, model, align, finetune, evaluation, gates, pipeline, output, document, hash);
  }

  /**
   * The same config and run id with the date a resumed run recorded at its first attempt (run.date was not
   * given, so it had defaulted to today).
   */
  public AlignTuneConfig withRecordedRunDate(String date) {
    RunSettings r = new RunSettings(run.id(), date, run.seed(), run.master(), run.outputDir(), run.idTemplate(), false);
    return new AlignTuneConfig(source, r, model, align, finetune, evaluation, gates, pipeline, output, document, hash);
  }

  /** A node over one of the pipeline's other sections, for its own typed reading. */
  public ConfigNode section(String name) {
    return new ConfigNode(source, name, document == null ? null : document.get(name));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
