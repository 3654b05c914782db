package io.aligntune.model.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Shared helpers for the checkpoint I/O tests: raw file building, random weights, real assets. */
final class TestFiles {

  private TestFiles() {}

  /** The real stories260K llama2.c checkpoint, or the test is skipped when the shared data is absent. */
  static Path stories260K() {
    String root = System.getProperty("aligntune.shared.data");
    assumeTrue(root != null, "system property aligntune.shared.data is not set (run through Maven Surefire)");
    Path file = Path.of(root, "models", "stories260K", "stories260K.bin");
    assumeTrue(Files.isRegularFile(file), "shared test asset missing: " + file);
    return file;
  }

  /** Writes a safetensors file with a verbatim header (no padding, no checks) followed by {@code data}. */
  static Path rawSafetensors(Path file, String headerJson, byte[] data) throws IOException {
    byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(header.length).put(header).put(data);
    Files.write(file, buffer.array());
    return file;
  }

  static byte[] littleEndianFloats(float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buffer.putFloat(v);
    }
    return buffer.array();
  }

  static HostTensor randomTensor(Random random, long... shape) {
    HostTensor t = HostTensor.zeros(shape);
    for (int i = 0; i < t.data().length; i++) {
      t.data()[i] = (float) random.nextGaussian();
    }
    return t;
  }

  /** Random weights with exactly the names and shapes {@code config} implies. */
  static LinkedHashMap<String, HostTensor> randomWeights(LlamaConfig config, long seed) {
    Random random = new Random(seed);
    LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : LlamaWeightLayout.expectedShapes(config).entrySet()) {
      out.put(e.getKey(), randomTensor(random, e.getValue()));
    }
    return out;
  }

  /** A tiny grouped-query config: hidden 16, 4 heads of 4, 2 kv heads, 2 layers, vocab 32. */
  static LlamaConfig tinyConfig(boolean tied) {
    return new LlamaConfig(16, 24, 2, 4, 2, 32, 64, 1e-5, 10000.0, tied, 1, 2, 0);
  }
}
