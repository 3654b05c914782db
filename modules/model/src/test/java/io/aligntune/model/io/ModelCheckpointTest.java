package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckpointTest {

  @TempDir Path dir;

  @Test
  void hfDirectoryRoundTripsBitExactInFloat32() throws IOException {
    LlamaConfig config = TestFiles.tinyConfig(false);
    LinkedHashMap<String, HostTensor> weights = TestFiles.randomWeights(config, 5);
    Path model = dir.resolve("tiny");
    HfModelDirectoryWriter.write(model, config, weights, SafetensorsDtype.F32);

    LoadedWeights loaded = ModelCheckpoint.load(model);
    assertEquals(config, loaded.config());
    assertEquals(model, loaded.source());
    assertEquals(weights, loaded.tensors());
    assertEquals(List.copyOf(weights.keySet()), List.copyOf(loaded.tensors().keySet()));
    try (SafetensorsReader reader = SafetensorsReader.open(model.resolve("model.safetensors"))) {
      assertEquals(Map.of("format", "pt"), reader.metadata());
    }
    assertEquals(loaded.tensors(), ModelCheckpoint.load(model.resolve("model.safetensors")).tensors());
  }

  @Test
  void tiedHeadIsDroppedOnWriteAndExtraTensorsAreIgnoredOnLoad() throws IOException {
    LlamaConfig config = TestFiles.tinyConfig(true);
    LinkedHashMap<String, HostTensor> weights = TestFiles.randomWeights(config, 6);
    weights.put(LlamaWeightLayout.LM_HEAD, weights.get(LlamaWeightLayout.EMBED_TOKENS));
    weights.put("model.layers.0.self_attn.rotary_emb.inv_freq", HostTensor.zeros(2));
    HfModelDirectoryWriter.write(dir, config, weights, SafetensorsDtype.F32);

    try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("model.safetensors"))) {
      assertFalse(reader.entry(LlamaWeightLayout.LM_HEAD).isPresent());
      assertTrue(reader.entry("model.layers.0.self_attn.rotary_emb.inv_freq").isPresent());
    }
    LoadedWeights loaded = ModelCheckpoint.load(dir);
    assertEquals(LlamaWeightLayout.expectedShapes(config).keySet(), loaded.tensors().keySet());
  }

  @Test
  void stories260KSurvivesConversionToABf16HfDirectory() throws IOException {
    LoadedWeights original = ModelCheckpoint.load(TestFiles.stories260K());
    Path model = dir.resolve("stories260K-hf");
    HfModelDirectoryWriter.write(model, original.config(), original.tensors(), SafetensorsDtype.BF16);
    assertTrue(Files.readString(model.resolve("config.json")).contains("\"torch_dtype\" : \"bfloat16\""));

    LoadedWeights back = ModelCheckpoint.load(model);
    assertEquals(original.config(), back.config());
    assertEquals(original.tensors().keySet(), back.tensors().keySet());
    for (Map.Entry<String, HostTensor> e : original.tensors().entrySet()) {
      float[] source = e.getValue().data();
      float[] read = back.tensors().get(e.getKey()).data();
      for (int i = 0; i < source.length; i++) {
        float rounded = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(source[i]));
        assertEquals(rounded, read[i], e.getKey());
      }
    }
    // Re-saving the bf16 weights reproduces the file byte for byte.
    Path again = dir.resolve("again");
    HfModelDirectoryWriter.write(again, back.config(), back.tensors(), SafetensorsDtype.BF16);
    assertArrayEquals(
        Files.readAllBytes(model.resolve("model.safetensors")), Files.readAllBytes(again.resolve("model.safetensors")));
  }

  @Test
  void shapeMismatchNamesFileTensorAndBothShapes() throws IOException {
    LlamaConfig config = TestFiles.tinyConfig(true);
    LinkedHashMap<String, HostTensor> weights = TestFiles.randomWeights(config, 7);
    Path model = dir.resolve("stories");
    HfModelDirectoryWriter.write(model, config, weights, SafetensorsDtype.F32);
    weights.put("model.layers.0.self_attn.k_proj.weight", HostTensor.zeros(16, 16));
    SafetensorsWriter.write(model.resolve("model.safetensors"), weights, SafetensorsDtype.F32);

    CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(model));
    assertEquals(
        model.resolve("model.safetensors") + ": tensor 'model.layers.0.self_attn.k_proj.weight' has shape [16, 16]"
            + " but config.json implies [8, 16]",
        e.getMessage());
  }

  @Test
  void missingTensorsAreAllListed() throws IOException {
    LlamaConfig config = TestFiles.tinyConfig(false);
    LinkedHashMap<String, HostTensor> weights = TestFiles.randomWeights(config, 8);
    HfModelDirectoryWriter.write(dir, config, weights, SafetensorsDtype.F16);
    weights.remove(LlamaWeightLayout.LM_HEAD);
    weights.remove(LlamaWeightLayout.FINAL_NORM);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), weights, SafetensorsDtype.F16);

    String message = assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(dir)).getMessage();
    assertEquals(
        "2 tensors do not match config.json:\n  " + dir + ": tensor 'model.norm.weight' is missing but config.json"
            + " implies shape [16]\n  " + dir + ": tensor 'lm_head.weight' is missing but config.json implies"
            + " shape [32, 16]",
        message);
  }

  @Test
  void writerRefusesWeightsThatDoNotFitTheConfig() {
    LlamaConfig config = TestFiles.tinyConfig(true);
    LinkedHashMap<String, HostTensor> weights = TestFiles.randomWeights(config, 9);
    weights.put(LlamaWeightLayout.FINAL_NORM, HostTensor.zeros(15));
    CheckpointFormatException e =
        assertThrows(
            CheckpointFormatException.class,
            () -> HfModelDirectoryWriter.write(dir, config, weights, SafetensorsDtype.BF16));
    assertTrue(e.getMessage().endsWith("tensor 'model.norm.weight' has shape [15] but the model config implies [16]"));
    assertFalse(Files.exists(dir.resolve("config.json")));
  }

  @Test
  void missingConfigAndMissingConfigFieldAreReported() throws IOException {
    LlamaConfig config = TestFiles.tinyConfig(true);
    HfModelDirectoryWriter.write(dir, config, TestFiles.randomWeights(config, 10), SafetensorsDtype.F32);
    Path configJson = dir.resolve("config.json");
    Files.writeString(configJson, Files.readString(configJson).replace("\"intermediate_size\" : 24,", ""));
    assertEquals(
        configJson + ": missing required field 'intermediate_size'",
        assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(dir)).getMessage());
    Files.delete(configJson);
    assertTrue(
        assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(dir))
            .getMessage()
            .startsWith(configJson + ": missing"));
  }

  @Test
  void truncatedSafetensorsIsReportedThroughTheFacade() throws IOException {
    LlamaConfig config = TestFiles.tinyConfig(true);
    HfModelDirectoryWriter.write(dir, config, TestFiles.randomWeights(config, 12), SafetensorsDtype.BF16);
    Path weights = dir.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, Arrays.copyOf(bytes, bytes.length - 10));
    String message = assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(dir)).getMessage();
    assertTrue(message.startsWith(weights + ": tensor 'model.norm.weight' data_offsets ["), message);
    assertTrue(message.endsWith("(file truncated?)"), message);
  }

  @Test
  void picklesAndUnknownPathsAreRefused() throws IOException {
    Path pickle = Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 0x02, 0x7d, 0x71});
    assertTrue(
        assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(pickle))
            .getMessage()
            .contains("refusing to load PyTorch pickle checkpoint"));
    assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(dir)); // directory of pickles
    Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
    assertTrue(
        assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(text))
            .getMessage()
            .contains("not a recognised checkpoint"));
    assertThrows(NoSuchFileException.class, () -> ModelCheckpoint.load(dir.resolve("absent")));
  }
}
