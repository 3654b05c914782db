package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

  @TempDir Path dir;

  private static LinkedHashMap<String, HostTensor> sample(long seed) {
    Random random = new Random(seed);
    LinkedHashMap<String, HostTensor> tensors = new LinkedHashMap<>();
    tensors.put("b.weight", TestFiles.randomTensor(random, 3, 5));
    tensors.put("a.bias", TestFiles.randomTensor(random, 7));
    tensors.put("scalar", new HostTensor(new long[] {}, new float[] {42.5f}));
    tensors.put("empty", HostTensor.zeros(0, 4));
    return tensors;
  }

  @Test
  void writesTheExactSpecLayout() throws IOException {
    Path file = dir.resolve("one.safetensors");
    Map<String, HostTensor> tensors = Map.of("a", new HostTensor(new long[] {2}, new float[] {1.0f, -2.0f}));
    SafetensorsWriter.write(file, tensors, SafetensorsDtype.F32);

    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"; // 54 bytes
    String padded = json + "  "; // to 56, a multiple of 8
    ByteBuffer expected = ByteBuffer.allocate(8 + 56 + 8).order(ByteOrder.LITTLE_ENDIAN);
    expected.putLong(56).put(padded.getBytes(StandardCharsets.US_ASCII));
    expected.put(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0});
    assertArrayEquals(expected.array(), Files.readAllBytes(file));
  }

  @Test
  void float32RoundTripIsBitExactIncludingSpecialValues() throws IOException {
    LinkedHashMap<String, HostTensor> tensors = sample(1);
    tensors.put(
        "special",
        new HostTensor(
            new long[] {6},
            new float[] {Float.NaN, Float.intBitsToFloat(0x7F80_0001), -0.0f, Float.MIN_VALUE,
                Float.NEGATIVE_INFINITY, Float.MAX_VALUE}));
    Path file = dir.resolve("f32.safetensors");
    SafetensorsWriter.write(file, tensors, SafetensorsDtype.F32, Map.of("format", "pt"));

    try (SafetensorsReader reader = SafetensorsReader.open(file)) {
      assertEquals(List.of("b.weight", "a.bias", "scalar", "empty", "special"), reader.names());
      assertEquals(Map.of("format", "pt"), reader.metadata());
      for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
        HostTensor back = reader.read(e.getKey());
        assertArrayEquals(e.getValue().shape(), back.shape());
        for (int i = 0; i < back.data().length; i++) {
          assertEquals(
              Float.floatToRawIntBits(e.getValue().data()[i]), Float.floatToRawIntBits(back.data()[i]), e.getKey());
        }
      }
    }
  }

  @Test
  void listsEntriesWithoutLoadingData() throws IOException {
    Path file = dir.resolve("list.safetensors");
    SafetensorsWriter.write(file, sample(2), SafetensorsDtype.BF16);
    try (SafetensorsReader reader = SafetensorsReader.open(file)) {
      SafetensorsEntry weight = reader.entry("b.weight").orElseThrow();
      assertEquals(SafetensorsDtype.BF16, weight.dtype());
      assertArrayEquals(new long[] {3, 5}, weight.shape());
      assertEquals(0, weight.begin());
      assertEquals(30, weight.end());
      SafetensorsEntry bias = reader.entry("a.bias").orElseThrow();
      assertEquals(30, bias.begin());
      assertEquals(44, bias.end());
      assertEquals(1, reader.entry("scalar").orElseThrow().elementCount());
      assertTrue(reader.entry("missing").isEmpty());
    }
  }

  @Test
  void narrowTypesRewriteToIdenticalBytes() throws IOException {
    for (SafetensorsDtype dtype : List.of(SafetensorsDtype.BF16, SafetensorsDtype.F16)) {
      Path first = dir.resolve("first-" + dtype + ".safetensors");
      Path second = dir.resolve("second-" + dtype + ".safetensors");
      SafetensorsWriter.write(first, sample(3), dtype, Map.of("k", "v"));
      SafetensorsWriter.write(second, SafetensorsReader.readAll(first), dtype, Map.of("k", "v"));
      assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), dtype.name());
    }
  }

  @Test
  void representableValuesComeBackUnchanged() throws IOException {
    float[] values = {1.0f, -0.5f, 0.15625f, 3.0f, -1024.0f, 0.0f, -0.0f, Float.POSITIVE_INFINITY, 0x1p-24f};
    Map<String, HostTensor> tensors = Map.of("v", new HostTensor(new long[] {values.length}, values));
    for (SafetensorsDtype dtype : SafetensorsDtype.values()) {
      if (!dtype.writable()) {
        continue;
      }
      Path file = dir.resolve("exact-" + dtype + ".safetensors");
      SafetensorsWriter.write(file, tensors, dtype);
      assertArrayEquals(values, SafetensorsReader.readAll(file).get("v").data(), dtype.name());
    }
  }

  @Test
  void bf16RoundsToNearestAndKeepsNaN() throws IOException {
    float[] values = {Float.intBitsToFloat(0x3F81_8000), Float.intBitsToFloat(0x3F80_8001), Float.NaN, 1e-40f};
    Path file = dir.resolve("round.safetensors");
    SafetensorsWriter.write(file, Map.of("v", new HostTensor(new long[] {4}, values)), SafetensorsDtype.BF16);
    float[] back = SafetensorsReader.readAll(file).get("v").data();
    assertEquals(Float.intBitsToFloat(0x3F82_0000), back[0]);
    assertEquals(Float.intBitsToFloat(0x3F81_0000), back[1]);
    assertTrue(Float.isNaN(back[2]));
    assertEquals(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(1e-40f)), back[3]);
  }

  @Test
  void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("model.safetensors");
    Files.writeString(file, "old content");
    SafetensorsWriter.write(file, sample(4), SafetensorsDtype.F16);
    assertEquals(4, SafetensorsReader.readAll(file).size());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void parsesUserFacingDtypeNames() {
    assertEquals(SafetensorsDtype.BF16, SafetensorsDtype.parseWritable("bfloat16"));
    assertEquals(SafetensorsDtype.BF16, SafetensorsDtype.parseWritable(" BF16 "));
    assertEquals(SafetensorsDtype.F16, SafetensorsDtype.parseWritable("f16"));
    assertEquals(SafetensorsDtype.F32, SafetensorsDtype.parseWritable("float32"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SafetensorsDtype.parseWritable("int8"));
    assertTrue(e.getMessage().startsWith("unsupported checkpoint dtype 'int8'"));
  }

  @Test
  void readsWideAndIntegerTypesAsFloat32() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(16 + 16 + 2).order(ByteOrder.LITTLE_ENDIAN);
    data.putDouble(0.1).putDouble(-3.0).putLong(-7).putLong(1L << 40).put((byte) 200).put((byte) -3);
    Path file =
        TestFiles.rawSafetensors(
            dir.resolve("types.safetensors"),
            "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[16,32]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[32,33]},"
                + "\"s\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[33,34]}}",
            data.array());
    LinkedHashMap<String, HostTensor> all = SafetensorsReader.readAll(file);
    assertArrayEquals(new float[] {0.1f, -3.0f}, all.get("d").data());
    assertArrayEquals(new float[] {-7f, 1099511627776f}, all.get("i").data());
    assertArrayEquals(new float[] {200f}, all.get("u").data());
    assertArrayEquals(new float[] {-3f}, all.get("s").data());
  }
}
