package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt and hostile files: each must fail before allocation, naming the file, tensor and problem. */
class SafetensorsHeaderValidationTest {

  @TempDir Path dir;

  private String openFails(Path file) {
    CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsReader.open(file));
    assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
    return e.getMessage();
  }

  private Path raw(String header, int dataBytes) throws IOException {
    return TestFiles.rawSafetensors(dir.resolve("model.safetensors"), header, new byte[dataBytes]);
  }

  @Test
  void truncatedDataSectionIsReported() throws IOException {
    Path file = raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[32,32],\"data_offsets\":[0,4096]}}", 1000);
    String message = openFails(file);
    assertTrue(
        message.endsWith(
            "model.safetensors: tensor 'x' data_offsets [0, 4096] end beyond file data section of 1000 bytes"
                + " (file truncated?)"),
        message);
  }

  @Test
  void headerLengthLargerThanTheFileIsReported() throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(1L << 40).put("{}              ".getBytes());
    Path file = Files.write(dir.resolve("model.safetensors"), bytes.array());
    String message = openFails(file);
    assertTrue(message.contains("header length 1099511627776 exceeds the file size of 24 bytes"), message);
  }

  @Test
  void headerLengthWithTheTopBitSetIsReportedUnsigned() throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(-1L).putLong(0);
    Path file = Files.write(dir.resolve("model.safetensors"), bytes.array());
    assertTrue(openFails(file).contains("header length 18446744073709551615 exceeds the file size"));
  }

  @Test
  void fileShorterThanTheLengthPrefixIsReported() throws IOException {
    Path file = Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
    assertTrue(openFails(file).contains("file is 3 bytes, too short"));
  }

  @Test
  void shapeThatDisagreesWithTheOffsetsIsReported() throws IOException {
    Path file = raw("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4,4],\"data_offsets\":[0,64]}}", 64);
    assertTrue(
        openFails(file).contains("tensor 'w' shape [4, 4] of BF16 needs 32 bytes but data_offsets [0, 64] span 64"));
  }

  @Test
  void overlappingTensorsAreReported() throws IOException {
    Path file =
        raw(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
            24);
    assertTrue(openFails(file).contains("tensor 'b' data_offsets [8, 24] overlap tensor 'a' [0, 16]"));
  }

  @Test
  void unknownDtypeIsReported() throws IOException {
    Path file = raw("{\"q\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    assertTrue(openFails(file).contains("tensor 'q' has unknown dtype 'Q4_K'"));
  }

  @Test
  void negativeOrFractionalShapeIsReported() throws IOException {
    assertTrue(
        openFails(raw("{\"n\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0))
            .contains("tensor 'n' 'shape' must hold non-negative integers, got [-1]"));
    assertTrue(
        openFails(raw("{\"n\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4))
            .contains("'shape' must hold non-negative integers"));
  }

  @Test
  void shapeWhoseSizeOverflowsIsReported() throws IOException {
    Path file =
        raw(
            "{\"huge\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0);
    assertTrue(openFails(file).contains("tensor 'huge' shape [4294967296, 4294967296] overflows a 64-bit size"));
  }

  @Test
  void malformedJsonAndDuplicateKeysAreReported() throws IOException {
    assertTrue(openFails(raw("{\"a\": [1, 2", 0)).contains("header is not valid JSON: Unexpected end-of-input"));
    assertTrue(
        openFails(
                raw(
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                    8))
            .contains("header is not valid JSON: Duplicate field 'a'"));
    assertTrue(openFails(raw("[1, 2, 3]", 0)).contains("header does not start with '{'"));
  }

  @Test
  void missingOffsetsAndBadMetadataAreReported() throws IOException {
    assertTrue(
        openFails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4))
            .contains("tensor 'a' has no 'data_offsets' array"));
    assertTrue(
        openFails(raw("{\"__metadata__\":{\"format\":1}}", 0))
            .contains("__metadata__ value for 'format' must be a string"));
  }

  @Test
  void acceptsMetadataPaddingAndEmptyTensors() throws IOException {
    Path file =
        raw(
            "{\"__metadata__\":{\"format\":\"pt\"},\"e\":{\"dtype\":\"F16\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"x\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}      ",
            2);
    try (SafetensorsReader reader = SafetensorsReader.open(file)) {
      assertEquals("pt", reader.metadata().get("format"));
      assertEquals(0, reader.read("e").data().length);
      assertEquals(0.0f, reader.read("x").data()[0]);
    }
  }

  @Test
  void unreadableDtypeFailsOnReadButListsFine() throws IOException {
    Path file = raw("{\"f8\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    try (SafetensorsReader reader = SafetensorsReader.open(file)) {
      assertEquals(SafetensorsDtype.F8_E4M3, reader.entry("f8").orElseThrow().dtype());
      IOException e = assertThrows(IOException.class, () -> reader.read("f8"));
      assertTrue(e.getMessage().contains("tensor 'f8' has dtype F8_E4M3, which this reader cannot convert"));
      assertTrue(assertThrows(IOException.class, () -> reader.read("nope")).getMessage().contains("'nope'"));
    }
  }
}
