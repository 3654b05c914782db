package io.aligntune.model.io;

import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one entry point for reading a model from disk, whatever its format:
 *
 * <ul>
 *   <li>a Hugging Face directory ({@code config.json} plus {@code model.safetensors} or a sharded index),
 *       or a {@code .safetensors} / index file inside one (its directory is loaded);
 *   <li>a llama2.c version 0 {@code .bin} file;
 *   <li>PyTorch pickles are refused ({@link PickleCheckpointGuard}).
 * </ul>
 *
 * Weights are checked against the config before they are read, and come back in canonical order with
 * only the tensors the config implies.
 */
public final class ModelCheckpoint {

  private ModelCheckpoint() {}

  public static LoadedWeights load(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString(), null, "no model file or directory here");
    }
    PickleCheckpointGuard.refuseIfPickle(path);
    if (Files.isDirectory(path)) {
      return loadHfDirectory(path);
    }
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".safetensors") || name.equals(SafetensorsIndex.FILE_NAME)) {
      return loadHfDirectory(path.toAbsolutePath().getParent());
    }
    if (name.endsWith(".bin") || Llama2cCheckpointReader.isLlama2cCheckpoint(path)) {
      return Llama2cCheckpointReader.read(path);
    }
    throw new CheckpointFormatException(
        path + ": not a recognised checkpoint (expected a Hugging Face model directory with config.json and"
            + " safetensors weights, or a llama2.c .bin file)");
  }

  private static LoadedWeights loadHfDirectory(Path directory) throws IOException {
    HfConfig hf = HfConfigReader.read(directory.resolve(HfConfigReader.FILE_NAME));
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(directory)) {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (String name : checkpoint.tensorNames()) {
        shapes.put(name, checkpoint.entry(name).orElseThrow().shape());
      }
      WeightShapeValidator.check(
          hf.llama(),
          shapes,
          name -> checkpoint.fileOf(name).map(Path::toString).orElse(directory.toString()),
          HfConfigReader.FILE_NAME);
      LinkedHashMap<String, HostTensor> tensors = new LinkedHashMap<>();
      for (String name : LlamaWeightLayout.expectedShapes(hf.llama()).keySet()) {
        tensors.put(name, checkpoint.read(name));
      }
      return new LoadedWeights(hf.llama(), tensors, directory);
    }
  }
}
