package io.aligntune.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json}: which shard file holds each tensor
 * ({@code weight_map}). Shard names must be plain file names in the same directory, so an index cannot
 * point the loader at files elsewhere on the machine.
 *
 * @param file the index file, for error messages
 * @param weightMap tensor name to shard file name, in index order
 */
public record SafetensorsIndex(Path file, Map<String, String> weightMap) {

  public static final String FILE_NAME = "model.safetensors.index.json";

  public SafetensorsIndex {
    weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
  }

  public static SafetensorsIndex read(Path indexFile) throws IOException {
    JsonNode root = CheckpointJson.readObject(indexFile);
    JsonNode map = root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new CheckpointFormatException(indexFile + ": missing 'weight_map' object");
    }
    LinkedHashMap<String, String> weightMap = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = map.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      if (!e.getValue().isTextual()) {
        throw new CheckpointFormatException(
            indexFile + ": weight_map entry for tensor '" + e.getKey() + "' must be a shard file name, got "
                + e.getValue());
      }
      String shard = e.getValue().textValue();
      if (!isPlainFileName(shard)) {
        throw new CheckpointFormatException(
            indexFile + ": weight_map entry for tensor '" + e.getKey() + "' names shard '" + shard
                + "', which is not a plain file name in the checkpoint directory");
      }
      weightMap.put(e.getKey(), shard);
    }
    if (weightMap.isEmpty()) {
      throw new CheckpointFormatException(indexFile + ": 'weight_map' lists no tensors");
    }
    return new SafetensorsIndex(indexFile, weightMap);
  }

  /** Distinct shard file names, in order of first appearance. */
  public List<String> shardFiles() {
    return new ArrayList<>(new LinkedHashSet<>(weightMap.values()));
  }

  private static boolean isPlainFileName(String name) {
    return !name.isEmpty()
        && !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('\\') < 0
        && name.indexOf('\0') < 0;
  }
}
