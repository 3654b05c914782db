package io.aligntune.model.io;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a model as a Hugging Face directory ({@code config.json} + {@code model.safetensors}) that
 * transformers and {@link ModelCheckpoint} both load. Weights are shape-checked against the config first,
 * so a broken model is never written; {@code lm_head.weight} is dropped when embeddings are tied, as
 * transformers does.
 */
public final class HfModelDirectoryWriter {

  /** transformers refuses safetensors files whose metadata lacks a known "format". */
  static final Map<String, String> SAFETENSORS_METADATA = Map.of("format", "pt");

  private HfModelDirectoryWriter() {}

  public static void write(Path directory, LlamaConfig config, Map<String, HostTensor> tensors, SafetensorsDtype dtype)
      throws IOException {
    Path weightsFile = directory.resolve(SafetensorsCheckpoint.SINGLE_FILE);
    Map<String, long[]> shapes = new LinkedHashMap<>();
    tensors.forEach((name, tensor) -> shapes.put(name, tensor.shape()));
    WeightShapeValidator.check(config, shapes, name -> weightsFile.toString(), "the model config");

    LinkedHashMap<String, HostTensor> toWrite = new LinkedHashMap<>(tensors);
    if (config.tieWordEmbeddings()) {
      toWrite.remove(LlamaWeightLayout.LM_HEAD);
    }
    Files.createDirectories(directory);
    SafetensorsWriter.write(weightsFile, toWrite, dtype, SAFETENSORS_METADATA);
    HfConfigWriter.write(directory.resolve(HfConfigReader.FILE_NAME), config, dtype);
    // An index left by an earlier sharded save would describe other weights; the single file now rules.
    Files.deleteIfExists(directory.resolve(SafetensorsIndex.FILE_NAME));
  }
}
