package io.aligntune.model.io;

import io.aligntune.core.tensor.HostTensor;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The safetensors weights of a Hugging Face model directory: either one {@code model.safetensors} or
 * shards listed by {@code model.safetensors.index.json} (the single file wins when both exist, as in
 * transformers). Opening validates every shard header and the index against them; tensors are then
 * listed without loading, and read one by one or all together.
 */
public final class SafetensorsCheckpoint implements Closeable {

  public static final String SINGLE_FILE = "model.safetensors";

  private final Path directory;
  private final Map<String, SafetensorsReader> readerByTensor;
  private final List<SafetensorsReader> readers;

  private SafetensorsCheckpoint(
      Path directory, Map<String, SafetensorsReader> readerByTensor, List<SafetensorsReader> readers) {
    this.directory = directory;
    this.readerByTensor = readerByTensor;
    this.readers = readers;
  }

  /** Whether {@code directory} holds safetensors weights this class can open. */
  public static boolean isPresentIn(Path directory) {
    return Files.isRegularFile(directory.resolve(SINGLE_FILE))
        || Files.isRegularFile(directory.resolve(SafetensorsIndex.FILE_NAME));
  }

  public static SafetensorsCheckpoint open(Path directory) throws IOException {
    Path single = directory.resolve(SINGLE_FILE);
    if (Files.isRegularFile(single)) {
      SafetensorsReader reader = SafetensorsReader.open(single);
      Map<String, SafetensorsReader> byTensor = new LinkedHashMap<>();
      for (String name : reader.names()) {
        byTensor.put(name, reader);
      }
      return new SafetensorsCheckpoint(directory, byTensor, List.of(reader));
    }
    Path indexFile = directory.resolve(SafetensorsIndex.FILE_NAME);
    if (Files.isRegularFile(indexFile)) {
      return openSharded(directory, SafetensorsIndex.read(indexFile));
    }
    throw new CheckpointFormatException(
        directory + ": no " + SINGLE_FILE + " or " + SafetensorsIndex.FILE_NAME + " (found: "
            + listSafetensorsFiles(directory) + ")");
  }

  /** Reads every tensor of the checkpoint in {@code directory}. */
  public static LinkedHashMap<String, HostTensor> loadAll(Path directory) throws IOException {
    try (SafetensorsCheckpoint checkpoint = open(directory)) {
      return checkpoint.readAll();
    }
  }

  private static SafetensorsCheckpoint openSharded(Path directory, SafetensorsIndex index) throws IOException {
    Map<String, SafetensorsReader> byShard = new LinkedHashMap<>();
    try {
      for (String shard : index.shardFiles()) {
        Path shardFile = directory.resolve(shard);
        if (!Files.isRegularFile(shardFile)) {
          throw new CheckpointFormatException(
              index.file() + ": shard '" + shard + "' (holding tensor '" + firstTensorIn(index, shard)
                  + "') does not exist in " + directory);
        }
        byShard.put(shard, SafetensorsReader.open(shardFile));
      }
      Map<String, SafetensorsReader> byTensor = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
        SafetensorsReader reader = byShard.get(e.getValue());
        if (reader.entry(e.getKey()).isEmpty()) {
          throw new CheckpointFormatException(
              reader.file() + ": tensor '" + e.getKey() + "' listed in " + SafetensorsIndex.FILE_NAME
                  + " is absent from this shard");
        }
        byTensor.put(e.getKey(), reader);
      }
      return new SafetensorsCheckpoint(directory, byTensor, new ArrayList<>(byShard.values()));
    } catch (IOException | RuntimeException e) {
      for (SafetensorsReader reader : byShard.values()) {
        reader.close();
      }
      throw e;
    }
  }

  private static String firstTensorIn(SafetensorsIndex index, String shard) {
    return index.weightMap().entrySet().stream()
        .filter(e -> e.getValue().equals(shard))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse("?");
  }

  private static List<String> listSafetensorsFiles(Path directory) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.safetensors*")) {
      stream.forEach(p -> names.add(p.getFileName().toString()));
    }
    names.sort(null);
    return names;
  }

  public Path directory() {
    return directory;
  }

  /** Tensor names in file order (single file) or index order (shards). */
  public List<String> tensorNames() {
    return new ArrayList<>(readerByTensor.keySet());
  }

  public Optional<SafetensorsEntry> entry(String name) {
    SafetensorsReader reader = readerByTensor.get(name);
    return reader == null ? Optional.empty() : reader.entry(name);
  }

  /** The file holding {@code name}, for error messages. */
  public Optional<Path> fileOf(String name) {
    SafetensorsReader reader = readerByTensor.get(name);
    return reader == null ? Optional.empty() : Optional.of(reader.file());
  }

  public HostTensor read(String name) throws IOException {
    SafetensorsReader reader = readerByTensor.get(name);
    if (reader == null) {
      throw new CheckpointFormatException(directory + ": no tensor named '" + name + "' in the checkpoint");
    }
    return reader.read(name);
  }

  public LinkedHashMap<String, HostTensor> readAll() throws IOException {
    LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
    for (String name : readerByTensor.keySet()) {
      out.put(name, read(name));
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (SafetensorsReader reader : readers) {
      try {
        reader.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
