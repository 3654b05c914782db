package io.aligntune.spark.resume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.spark.data.DatasetKey;
import io.aligntune.train.checkpoint.CheckpointPart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a phase's checkpoint was trained from, saved in each checkpoint ({@value #FILE}). The checkpoint's
 * config hash ({@link #hash()}) covers the settings, base model and data, so any change refuses a resume
 * ({@link ResumePoint}); this file is what lets the refusal name the change, since a hash alone cannot say
 * which input moved.
 *
 * @param section the phase's section of the config ({@code align}, {@code finetune}); names the settings in
 *     messages, not part of the hash
 * @param settings {@link AlignTuneConfigHash} of the phase's section, the model section and the seed
 * @param baseModel content hash of the weights training starts from (and, for alignment, the reference
 *     scores with): {@code ModelSource.contentHash}, the file bytes or the random spec
 * @param data SHA-256 of the prepared dataset's key ({@link DatasetKey#identity()}: input bytes, tokenizer,
 *     truncation, record format)
 */
public record TrainingInputs(String section, String settings, String baseModel, String data) implements CheckpointPart {

  public static final String FILE = "inputs.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public static TrainingInputs of(AlignTuneConfig config, String section, String baseModel, DatasetKey key) {
    return new TrainingInputs(section, AlignTuneConfigHash.of(config, section), baseModel,
        AlignTuneConfigHash.sha256(key.identity()));
  }

  /** The hash stored as the checkpoint's config hash. */
  public String hash() {
    return AlignTuneConfigHash.sha256(settings + "|start:" + baseModel + "|" + data);
  }

  @Override
  public void writeTo(Path dir) throws IOException {
    Files.writeString(dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.createObjectNode()
        .put("section", section).put("settings", settings).put("base_model", baseModel).put("data", data)));
  }

  /** The inputs saved in a checkpoint folder; empty for checkpoints written before this file existed. */
  public static Optional<TrainingInputs> readFrom(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    JsonNode n = JSON.readTree(file.toFile());
    return Optional.of(new TrainingInputs(n.path("section").asText(), n.path("settings").asText(),
        n.path("base_model").asText(), n.path("data").asText()));
  }

  /** What differs between {@code stored} (the checkpoint's) and these (this run's), in words. */
  public List<String> changesSince(TrainingInputs stored) {
    List<String> changes = new ArrayList<>();
    if (!settings.equals(stored.settings)) {
      changes.add("the settings (" + section + " or model section, or run.seed)");
    }
    if (!baseModel.equals(stored.baseModel)) {
      changes.add("the base model (content hash " + stored.baseModel + ", now " + baseModel + ")");
    }
    if (!data.equals(stored.data)) {
      changes.add("the training data (input files, tokenizer, truncation or format; data hash " + stored.data
          + ", now " + data + ")");
    }
    return changes;
  }
}
