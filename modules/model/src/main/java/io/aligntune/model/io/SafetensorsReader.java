package io.aligntune.model.io;

import io.aligntune.core.tensor.HostTensor;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one {@code .safetensors} file. Opening validates the whole header ({@link SafetensorsHeader});
 * tensors are then read one at a time by positioned reads and widened to float32 {@link HostTensor}s, so
 * listing names and shapes costs nothing and only what is asked for is loaded. Reads use positioned
 * channel I/O, so several threads may read tensors from one open reader at once.
 */
public final class SafetensorsReader implements Closeable {

  /** Largest float[] the JVM reliably allocates. */
  static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

  private final Path file;
  private final FileChannel channel;
  private final SafetensorsHeader header;
  private final Map<String, SafetensorsEntry> byName = new LinkedHashMap<>();

  private SafetensorsReader(Path file, FileChannel channel, SafetensorsHeader header) {
    this.file = file;
    this.channel = channel;
    this.header = header;
    for (SafetensorsEntry e : header.entries()) {
      byName.put(e.name(), e);
    }
  }

  /** Opens and validates {@code file}; the caller closes the reader. */
  public static SafetensorsReader open(Path file) throws IOException {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "safetensors file does not exist");
    }
    try {
      return new SafetensorsReader(file, channel, SafetensorsHeader.read(file, channel));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Reads every tensor of {@code file}, in header order. */
  public static LinkedHashMap<String, HostTensor> readAll(Path file) throws IOException {
    try (SafetensorsReader reader = open(file)) {
      return reader.readAll();
    }
  }

  public Path file() {
    return file;
  }

  /** Tensor descriptions in header order, without loading any data. */
  public List<SafetensorsEntry> entries() {
    return header.entries();
  }

  public List<String> names() {
    return new ArrayList<>(byName.keySet());
  }

  public Optional<SafetensorsEntry> entry(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The {@code __metadata__} strings (empty when absent). */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** Loads one tensor, widened to float32. */
  public HostTensor read(String name) throws IOException {
    SafetensorsEntry entry = byName.get(name);
    if (entry == null) {
      throw new CheckpointFormatException(file + ": no tensor named '" + name + "'");
    }
    return read(entry);
  }

  /** Loads every tensor, in header order. */
  public LinkedHashMap<String, HostTensor> readAll() throws IOException {
    LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
    for (SafetensorsEntry e : header.entries()) {
      out.put(e.name(), read(e));
    }
    return out;
  }

  private HostTensor read(SafetensorsEntry entry) throws IOException {
    String where = file + ": tensor '" + entry.name() + "'";
    if (!entry.dtype().readable()) {
      throw new CheckpointFormatException(
          where + " has dtype " + entry.dtype() + ", which this reader cannot convert to float32");
    }
    long count = entry.elementCount();
    if (count > MAX_ARRAY_ELEMENTS) {
      throw new CheckpointFormatException(
          where + " has " + count + " elements, more than one Java array can hold (" + MAX_ARRAY_ELEMENTS + ")");
    }
    float[] data = new float[(int) count];
    int elementBytes = entry.dtype().byteSize();
    int perChunk = (int) Math.min(LittleEndianChannelReader.CHUNK_BYTES / elementBytes, Math.max(count, 1));
    ByteBuffer chunk = ByteBuffer.allocate(perChunk * elementBytes).order(ByteOrder.LITTLE_ENDIAN);
    long position = header.dataStart() + entry.begin();
    int done = 0;
    while (done < data.length) {
      int n = Math.min(perChunk, data.length - done);
      chunk.clear().limit(n * elementBytes);
      LittleEndianChannelReader.readFully(channel, chunk, position + (long) done * elementBytes, where);
      chunk.flip();
      TensorDataDecoder.decode(entry.dtype(), chunk, data, done, n);
      done += n;
    }
    return new HostTensor(entry.shape(), data);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
