package io.aligntune.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.SafetensorsDtype;
import io.aligntune.model.io.SafetensorsReader;
import io.aligntune.model.io.SafetensorsWriter;
import io.aligntune.train.optim.AdamWState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stopped: trainable weights (safetensors, float32),
 * AdamW moments (safetensors), the step, the seed, the data cursor and a hash of the configuration (a
 * resumed run with a different config is refused instead of silently mixing two runs).
 *
 * @param completedSteps updates applied; the run resumes at this step index
 * @param seed the run's seed (data order, adapter init)
 * @param configHash hash of the training configuration that produced it
 * @param epoch data cursor: the epoch the next step reads from
 * @param stepInEpoch data cursor: the next step's batch index within its epoch
 */
public record TrainingCheckpoint(long completedSteps, long seed, String configHash, long epoch, long stepInEpoch,
    Map<String, HostTensor> weights, AdamWState optimizer) {

  public static final String WEIGHTS_FILE = "trainable.safetensors";
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";
  public static final String STATE_FILE = "state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public void writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), weights, SafetensorsDtype.F32);
    SafetensorsWriter.write(dir.resolve(OPTIMIZER_FILE), optimizer.toTensors(), SafetensorsDtype.F32);
    ObjectNode state = JSON.createObjectNode();
    state.put("format_version", 1);
    state.put("completed_steps", completedSteps);
    state.put("optimizer_step", optimizer.step());
    state.put("seed", seed);
    state.put("config_hash", configHash);
    state.putObject("data_cursor").put("epoch", epoch).put("step_in_epoch", stepInEpoch);
    Files.writeString(dir.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
  }

  public static TrainingCheckpoint readFrom(Path dir) throws IOException {
    Path stateFile = dir.resolve(STATE_FILE);
    JsonNode state;
    try {
      state = JSON.readTree(stateFile.toFile());
    } catch (IOException e) {
      throw new IOException(stateFile + ": unreadable checkpoint state: " + e.getMessage(), e);
    }
    for (String field : new String[] {"completed_steps", "optimizer_step", "seed", "config_hash", "data_cursor"}) {
      if (!state.has(field)) {
        throw new IOException(stateFile + ": missing field '" + field + "'");
      }
    }
    Map<String, HostTensor> weights = new LinkedHashMap<>(SafetensorsReader.readAll(dir.resolve(WEIGHTS_FILE)));
    AdamWState optimizer = AdamWState.fromTensors(state.get("optimizer_step").asLong(),
        SafetensorsReader.readAll(dir.resolve(OPTIMIZER_FILE)));
    return new TrainingCheckpoint(state.get("completed_steps").asLong(), state.get("seed").asLong(),
        state.get("config_hash").asText(), state.get("data_cursor").path("epoch").asLong(),
        state.get("data_cursor").path("step_in_epoch").asLong(), weights, optimizer);
  }
}
