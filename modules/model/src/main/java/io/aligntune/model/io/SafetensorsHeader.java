package io.aligntune.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of a safetensors file: tensor entries in header order, string metadata and the
 * file offset where the data section starts.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON, then the data
 * section. Everything is checked before anything sized by the file is allocated, because a corrupt or
 * hostile header would otherwise make us allocate gigabytes or read another tensor's bytes.
 */
public record SafetensorsHeader(List<SafetensorsEntry> entries, Map<String, String> metadata, long dataStart) {

  /** Same cap as the reference implementation: real headers are well under a megabyte. */
  public static final long MAX_HEADER_BYTES = 100L << 20;

  static final String METADATA_KEY = "__metadata__";

  public SafetensorsHeader {
    entries = List.copyOf(entries);
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** Reads and validates the header of {@code file} through an open channel. */
  public static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
    String label = file.toString();
    long fileSize = channel.size();
    if (fileSize < Long.BYTES) {
      throw new CheckpointFormatException(
          label + ": file is " + fileSize + " bytes, too short to hold the 8-byte safetensors header length");
    }
    ByteBuffer lengthBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    LittleEndianChannelReader.readFully(channel, lengthBytes, 0, label);
    long headerLength = lengthBytes.flip().getLong();
    if (headerLength < 0 || headerLength > fileSize - Long.BYTES) {
      throw new CheckpointFormatException(
          label + ": header length " + Long.toUnsignedString(headerLength) + " exceeds the file size of "
              + fileSize + " bytes (truncated, or not a safetensors file?)");
    }
    if (headerLength > MAX_HEADER_BYTES) {
      throw new CheckpointFormatException(
          label + ": header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES
              + "-byte limit (not a safetensors file?)");
    }
    if (headerLength < 2) {
      throw new CheckpointFormatException(label + ": header length " + headerLength + " cannot hold a JSON object");
    }
    ByteBuffer json = ByteBuffer.allocate((int) headerLength);
    LittleEndianChannelReader.readFully(channel, json, Long.BYTES, label);
    if (json.get(0) != '{') {
      throw new CheckpointFormatException(label + ": header does not start with '{' (not a safetensors file?)");
    }
    JsonNode root = CheckpointJson.parseObject(json.array(), label, "header");
    long dataStart = Long.BYTES + headerLength;
    return parse(label, root, dataStart, fileSize - dataStart);
  }

  private static SafetensorsHeader parse(String label, JsonNode root, long dataStart, long dataSize)
      throws CheckpointFormatException {
    Map<String, String> metadata = new LinkedHashMap<>();
    List<SafetensorsEntry> entries = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getKey().equals(METADATA_KEY)) {
        readMetadata(label, field.getValue(), metadata);
      } else {
        entries.add(parseEntry(label, field.getKey(), field.getValue(), dataSize));
      }
    }
    checkNoOverlap(label, entries);
    return new SafetensorsHeader(entries, metadata, dataStart);
  }

  private static void readMetadata(String label, JsonNode node, Map<String, String> into)
      throws CheckpointFormatException {
    if (!node.isObject()) {
      throw new CheckpointFormatException(label + ": " + METADATA_KEY + " must be an object of strings");
    }
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new CheckpointFormatException(
            label + ": " + METADATA_KEY + " value for '" + e.getKey() + "' must be a string, got " + e.getValue());
      }
      into.put(e.getKey(), e.getValue().textValue());
    }
  }

  private static SafetensorsEntry parseEntry(String label, String name, JsonNode node, long dataSize)
      throws CheckpointFormatException {
    String where = label + ": tensor '" + name + "'";
    if (name.isEmpty()) {
      throw new CheckpointFormatException(label + ": a tensor has an empty name");
    }
    if (!node.isObject()) {
      throw new CheckpointFormatException(where + " must be described by an object, got " + node);
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new CheckpointFormatException(where + " has no string 'dtype'");
    }
    SafetensorsDtype dtype =
        SafetensorsDtype.fromHeader(dtypeNode.textValue())
            .orElseThrow(
                () ->
                    new CheckpointFormatException(
                        where + " has unknown dtype '" + dtypeNode.textValue() + "' (known: "
                            + Arrays.toString(SafetensorsDtype.values()) + ")"));
    long[] shape = nonNegativeLongs(where, "shape", node.get("shape"), -1);
    long[] offsets = nonNegativeLongs(where, "data_offsets", node.get("data_offsets"), 2);
    long begin = offsets[0];
    long end = offsets[1];
    String offsetText = "data_offsets [" + begin + ", " + end + "]";
    if (end < begin) {
      throw new CheckpointFormatException(where + " " + offsetText + " end before begin");
    }
    if (end > dataSize) {
      throw new CheckpointFormatException(
          where + " " + offsetText + " end beyond file data section of " + dataSize + " bytes (file truncated?)");
    }
    long expectedBytes = byteCount(where, shape, dtype);
    if (expectedBytes != end - begin) {
      throw new CheckpointFormatException(
          where + " shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expectedBytes
              + " bytes but " + offsetText + " span " + (end - begin));
    }
    return new SafetensorsEntry(name, dtype, shape, begin, end);
  }

  private static long byteCount(String where, long[] shape, SafetensorsDtype dtype)
      throws CheckpointFormatException {
    try {
      long n = dtype.byteSize();
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    } catch (ArithmeticException e) {
      throw new CheckpointFormatException(where + " shape " + Arrays.toString(shape) + " overflows a 64-bit size");
    }
  }

  /** Reads an array of non-negative integers; {@code requiredLength} -1 accepts any length. */
  private static long[] nonNegativeLongs(String where, String field, JsonNode node, int requiredLength)
      throws CheckpointFormatException {
    if (node == null || !node.isArray()) {
      throw new CheckpointFormatException(where + " has no '" + field + "' array");
    }
    if (requiredLength >= 0 && node.size() != requiredLength) {
      throw new CheckpointFormatException(
          where + " '" + field + "' must have " + requiredLength + " entries, got " + node);
    }
    long[] values = new long[node.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new CheckpointFormatException(
            where + " '" + field + "' must hold non-negative integers, got " + node);
      }
      values[i] = v.longValue();
    }
    return values;
  }

  /** Two tensors sharing bytes would alias each other; empty tensors occupy nothing and are skipped. */
  private static void checkNoOverlap(String label, List<SafetensorsEntry> entries)
      throws CheckpointFormatException {
    List<SafetensorsEntry> byOffset = new ArrayList<>();
    for (SafetensorsEntry e : entries) {
      if (e.byteLength() > 0) {
        byOffset.add(e);
      }
    }
    byOffset.sort(Comparator.comparingLong(SafetensorsEntry::begin));
    for (int i = 1; i < byOffset.size(); i++) {
      SafetensorsEntry previous = byOffset.get(i - 1);
      SafetensorsEntry current = byOffset.get(i);
      if (current.begin() < previous.end()) {
        throw new CheckpointFormatException(
            label + ": tensor '" + current.name() + "' data_offsets [" + current.begin() + ", " + current.end()
                + "] overlap tensor '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
      }
    }
  }
}
