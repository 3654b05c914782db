package io.aligntune.spark.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The {@code _dataset.json} sidecar of a stored tokenized dataset: its {@link DatasetKey}, the counts of the
 * run that prepared it, and which reference model's log-probs it holds, if any. Written last, so its
 * presence also marks the dataset complete.
 *
 * @param key what the dataset is a function of
 * @param examples rows in the dataset
 * @param parsing counts of the parse stage (see {@link PreparationReport})
 * @param tokenizing counts of the tokenize stage
 * @param referenceModel identity (content hash) of the model whose log-probs fill the reference columns,
 *     or {@code null} while they are unfilled
 */
public record DatasetManifest(DatasetKey key, long examples, StageCounts parsing, StageCounts tokenizing,
    String referenceModel) implements Serializable {

  static final String FILE_NAME = "_dataset.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public DatasetManifest {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(parsing, "parsing");
    Objects.requireNonNull(tokenizing, "tokenizing");
  }

  /**
   * One stage's counts as stored ({@link QuarantineReport} is an accumulator, this is its frozen value).
   *
   * @param rejectsByReason reject reason code to count, only reasons that occurred
   * @param blankLines blank JSON Lines lines skipped (parsing only; not records, so not in {@code read})
   */
  public record StageCounts(long read, long accepted, long rejected, long values, Map<String, Long> rejectsByReason,
      long blankLines) implements Serializable {

    public StageCounts {
      rejectsByReason = Map.copyOf(rejectsByReason);
    }

    public static StageCounts of(QuarantineReport report) {
      Map<String, Long> byReason = new TreeMap<>();
      report.rejectsByReason().forEach((reason, n) -> byReason.put(reason.code(), n));
      return new StageCounts(report.rowsRead(), report.rowsAccepted(), report.rowsRejected(),
          report.valuesProduced(), byReason, report.blankLinesSkipped());
    }
  }

  static DatasetManifest of(DatasetKey key, PreparationReport report) {
    return new DatasetManifest(key, report.examples(), StageCounts.of(report.parsing()),
        StageCounts.of(report.tokenizing()), null);
  }

  public DatasetManifest withReferenceModel(String model) {
    return new DatasetManifest(key, examples, parsing, tokenizing, Objects.requireNonNull(model, "model"));
  }

  String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("kind", key.kind());
    root.put("version", key.version());
    root.put("tokenizer_sha256", key.tokenizerHash());
    ObjectNode truncation = root.putObject("truncation");
    truncation.put("max_length", key.truncation().maxLength());
    truncation.put("max_prompt_length", key.truncation().maxPromptLength());
    truncation.put("eos_when_cut", key.truncation().eosWhenCut());
    root.put("record_format", key.recordFormat());
    var inputs = root.putArray("inputs");
    for (InputFile input : key.inputs()) {
      inputs.addObject().put("uri", input.uri()).put("container", input.container().name().toLowerCase(Locale.ROOT))
          .put("sha256", input.sha256());
    }
    root.put("examples", examples);
    counts(root.putObject("parsing"), parsing);
    counts(root.putObject("tokenizing"), tokenizing);
    if (referenceModel == null) {
      root.putNull("reference_model");
    } else {
      root.put("reference_model", referenceModel);
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a sidecar; throws {@link IllegalArgumentException} naming what is wrong with it. */
  static DatasetManifest fromJson(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    JsonNode truncation = required(root, "truncation");
    List<InputFile> inputs = new ArrayList<>();
    for (JsonNode input : required(root, "inputs")) {
      inputs.add(new InputFile(required(input, "uri").asText(),
          InputFile.Container.valueOf(required(input, "container").asText().toUpperCase(Locale.ROOT)),
          required(input, "sha256").asText()));
    }
    DatasetKey key = new DatasetKey(required(root, "kind").asText(), required(root, "version").asInt(),
        required(root, "tokenizer_sha256").asText(),
        new TruncationPolicy(required(truncation, "max_length").asInt(),
            required(truncation, "max_prompt_length").asInt(), required(truncation, "eos_when_cut").asBoolean()),
        required(root, "record_format").asText(), inputs);
    JsonNode reference = root.get("reference_model");
    return new DatasetManifest(key, required(root, "examples").asLong(), counts(required(root, "parsing")),
        counts(required(root, "tokenizing")), reference == null || reference.isNull() ? null : reference.asText());
  }

  private static void counts(ObjectNode node, StageCounts counts) {
    node.put("read", counts.read()).put("accepted", counts.accepted()).put("rejected", counts.rejected())
        .put("values", counts.values()).put("blank_lines", counts.blankLines());
    ObjectNode byReason = node.putObject("rejects_by_reason");
    new TreeMap<>(counts.rejectsByReason()).forEach(byReason::put);
  }

  private static StageCounts counts(JsonNode node) {
    Map<String, Long> byReason = new TreeMap<>();
    for (Map.Entry<String, JsonNode> entry : required(node, "rejects_by_reason").properties()) {
      byReason.put(entry.getKey(), entry.getValue().asLong());
    }
    return new StageCounts(required(node, "read").asLong(), required(node, "accepted").asLong(),
        required(node, "rejected").asLong(), required(node, "values").asLong(), byReason,
        node.path("blank_lines").asLong(0)); // absent in sidecars written before blank lines were counted
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("field '" + field + "' is absent");
    }
    return value;
  }
}
