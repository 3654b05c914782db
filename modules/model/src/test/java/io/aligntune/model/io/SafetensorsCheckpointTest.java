package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {

  private static final String INDEX =
      "{\"metadata\":{\"total_size\":104},\"weight_map\":{"
          + "\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\","
          + "\"model.norm.weight\":\"model-00002-of-00002.safetensors\","
          + "\"lm_head.weight\":\"model-00002-of-00002.safetensors\"}}";

  @TempDir Path dir;
  private HostTensor embed;
  private HostTensor norm;
  private HostTensor head;

  @BeforeEach
  void writeShards() throws IOException {
    Random random = new Random(11);
    embed = TestFiles.randomTensor(random, 4, 3);
    norm = TestFiles.randomTensor(random, 3);
    head = TestFiles.randomTensor(random, 4, 3);
    SafetensorsWriter.write(
        dir.resolve("model-00001-of-00002.safetensors"), Map.of("model.embed_tokens.weight", embed), SafetensorsDtype.F32);
    LinkedHashMap<String, HostTensor> second = new LinkedHashMap<>();
    second.put("lm_head.weight", head);
    second.put("model.norm.weight", norm);
    SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, SafetensorsDtype.F32);
    Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME), INDEX);
  }

  @Test
  void loadsShardsInIndexOrder() throws IOException {
    LinkedHashMap<String, HostTensor> all = SafetensorsCheckpoint.loadAll(dir);
    assertEquals(List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"), List.copyOf(all.keySet()));
    assertEquals(embed, all.get("model.embed_tokens.weight"));
    assertEquals(norm, all.get("model.norm.weight"));
    assertEquals(head, all.get("lm_head.weight"));
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
      assertEquals(dir.resolve("model-00002-of-00002.safetensors"), checkpoint.fileOf("lm_head.weight").orElseThrow());
    }
  }

  @Test
  void missingShardIsNamed() throws IOException {
    Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
    IOException e = assertThrows(IOException.class, () -> SafetensorsCheckpoint.open(dir));
    assertTrue(
        e.getMessage().contains(
            "shard 'model-00002-of-00002.safetensors' (holding tensor 'model.norm.weight') does not exist in " + dir),
        e.getMessage());
  }

  @Test
  void tensorAbsentFromItsShardIsNamed() throws IOException {
    Files.writeString(
        dir.resolve(SafetensorsIndex.FILE_NAME),
        INDEX.replace("\"lm_head.weight\":\"model-00002", "\"lm_head.weight\":\"model-00001"));
    IOException e = assertThrows(IOException.class, () -> SafetensorsCheckpoint.open(dir));
    assertEquals(
        dir.resolve("model-00001-of-00002.safetensors") + ": tensor 'lm_head.weight' listed in "
            + "model.safetensors.index.json is absent from this shard",
        e.getMessage());
  }

  @Test
  void shardOutsideTheDirectoryIsRefused() throws IOException {
    Files.writeString(dir.resolve(SafetensorsIndex.FILE_NAME), INDEX.replace("\"model-00001", "\"../model-00001"));
    IOException e = assertThrows(IOException.class, () -> SafetensorsCheckpoint.open(dir));
    assertTrue(e.getMessage().contains("names shard '../model-00001-of-00002.safetensors', which is not a plain file"));
  }

  @Test
  void singleFileWinsOverAnIndex() throws IOException {
    SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("only", norm), SafetensorsDtype.F32);
    assertEquals(List.of("only"), List.copyOf(SafetensorsCheckpoint.loadAll(dir).keySet()));
  }

  @Test
  void directoryWithoutWeightsSaysWhatItFound(@TempDir Path empty) throws IOException {
    Files.writeString(empty.resolve("adapter_model.safetensors"), "");
    IOException e = assertThrows(IOException.class, () -> SafetensorsCheckpoint.open(empty));
    assertEquals(
        empty + ": no model.safetensors or model.safetensors.index.json (found: [adapter_model.safetensors])",
        e.getMessage());
  }
}
