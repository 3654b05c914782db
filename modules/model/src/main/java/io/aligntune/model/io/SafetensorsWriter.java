package io.aligntune.model.io;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes float32 tensors to one {@code .safetensors} file, stored as F32, F16 or BF16. Tensors are laid
 * out in map order, the JSON header is padded with spaces to a multiple of 8 bytes (so the data section
 * is 8-aligned, as the reference writer does), and the file appears atomically ({@link AtomicFileWrite}).
 * The output is deterministic: the same tensors, dtype and metadata always give the same bytes.
 */
public final class SafetensorsWriter {

  private SafetensorsWriter() {}

  /** Writes {@code tensors} without metadata. */
  public static void write(Path file, Map<String, HostTensor> tensors, SafetensorsDtype dtype) throws IOException {
    write(file, tensors, dtype, Map.of());
  }

  /**
   * Writes {@code tensors} (in iteration order) as {@code dtype}, with {@code metadata} stored under
   * {@code __metadata__} when non-empty.
   */
  public static void write(
      Path file, Map<String, HostTensor> tensors, SafetensorsDtype dtype, Map<String, String> metadata)
      throws IOException {
    if (!dtype.writable()) {
      throw new IllegalArgumentException(file + ": cannot write dtype " + dtype + " (use F32, F16 or BF16)");
    }
    byte[] header = headerBytes(file, tensors, dtype, metadata);
    AtomicFileWrite.write(
        file,
        channel -> {
          ByteBuffer prefix = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
          prefix.putLong(header.length).flip();
          AtomicFileWrite.writeFully(channel, prefix);
          AtomicFileWrite.writeFully(channel, ByteBuffer.wrap(header));
          for (HostTensor tensor : tensors.values()) {
            writeData(channel, tensor.data(), dtype);
          }
        });
  }

  private static byte[] headerBytes(
      Path file, Map<String, HostTensor> tensors, SafetensorsDtype dtype, Map<String, String> metadata) {
    ObjectNode root = CheckpointJson.MAPPER.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name == null || name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
        throw new IllegalArgumentException(file + ": invalid tensor name '" + name + "'");
      }
      long bytes = Math.multiplyExact(e.getValue().numel(), (long) dtype.byteSize());
      ObjectNode entry = root.putObject(name);
      entry.put("dtype", dtype.name());
      ArrayNode shape = entry.putArray("shape");
      Arrays.stream(e.getValue().shape()).forEach(shape::add);
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json;
    try {
      json = CheckpointJson.MAPPER.writer().withoutFeatures(
          SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("serialising a safetensors header cannot fail", e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  private static void writeData(FileChannel channel, float[] data, SafetensorsDtype dtype) throws IOException {
    int elementBytes = dtype.byteSize();
    int perChunk = LittleEndianChannelReader.CHUNK_BYTES / elementBytes;
    ByteBuffer chunk = ByteBuffer.allocate(perChunk * elementBytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int done = 0; done < data.length; done += perChunk) {
      int n = Math.min(perChunk, data.length - done);
      chunk.clear();
      switch (dtype) {
        case F32 -> {
          chunk.asFloatBuffer().put(data, done, n);
          chunk.position(n * Float.BYTES);
        }
        case F16 -> {
          for (int i = 0; i < n; i++) {
            chunk.putShort(FloatFormats.floatToF16(data[done + i]));
          }
        }
        case BF16 -> {
          for (int i = 0; i < n; i++) {
            chunk.putShort(FloatFormats.floatToBf16(data[done + i]));
          }
        }
        default -> throw new IllegalArgumentException("cannot write dtype " + dtype);
      }
      chunk.flip();
      AtomicFileWrite.writeFully(channel, chunk);
    }
  }
}
