package io.aligntune.core.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Utf8LineReaderTest {

  static List<RawLine> lines(byte[] bytes) throws IOException {
    List<RawLine> lines = new ArrayList<>();
    try (Utf8LineReader reader = new Utf8LineReader(new ByteArrayInputStream(bytes))) {
      for (RawLine line = reader.next(); line != null; line = reader.next()) {
        lines.add(line);
      }
    }
    return lines;
  }

  @Test
  void splitsOnLfAndCrLfAndKeepsTheTerminator() throws IOException {
    List<RawLine> lines = lines("a\r\nb\n\nc".getBytes(StandardCharsets.UTF_8));
    assertEquals(4, lines.size());
    assertEquals(new RawLine(1, "a", null, "\r\n"), lines.get(0));
    assertEquals(new RawLine(2, "b", null, "\n"), lines.get(1));
    assertTrue(lines.get(2).isBlank());
    assertEquals(new RawLine(4, "c", null, ""), lines.get(3));
  }

  @Test
  void trailingNewlineMakesNoExtraLine() throws IOException {
    assertEquals(2, lines("a\nb\n".getBytes(StandardCharsets.UTF_8)).size());
    assertEquals(0, lines(new byte[0]).size());
  }

  @Test
  void invalidBytesSpoilOnlyTheirLine() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes("caf\u00e9\n".getBytes(StandardCharsets.UTF_8));
    bytes.writeBytes(new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'}); // Latin-1 é: not UTF-8
    bytes.writeBytes(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, '\n'}); // emoji cut short
    bytes.writeBytes("ok\n".getBytes(StandardCharsets.UTF_8));
    List<RawLine> lines = lines(bytes.toByteArray());
    assertEquals("caf\u00e9", lines.get(0).text());
    assertTrue(lines.get(0).validUtf8());
    assertFalse(lines.get(1).validUtf8());
    assertEquals("invalid UTF-8 byte 0xe9 at byte offset 3 of the line", lines.get(1).utf8Error());
    assertFalse(lines.get(1).isBlank());
    assertFalse(lines.get(2).validUtf8());
    assertEquals(new RawLine(4, "ok", null, "\n"), lines.get(3));
  }

  @Test
  void byteOrderMarkIsDroppedFromTheFirstLineOnly() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(bom);
    bytes.writeBytes("a\n".getBytes(StandardCharsets.UTF_8));
    bytes.writeBytes(bom);
    bytes.writeBytes("b\n".getBytes(StandardCharsets.UTF_8));
    List<RawLine> lines = lines(bytes.toByteArray());
    assertEquals("a", lines.get(0).text());
    assertEquals("\uFEFFb", lines.get(1).text());
  }

  @Test
  void linesLongerThanTheBufferAreWhole() throws IOException {
    String longLine = "x".repeat(200_000);
    List<RawLine> lines = lines((longLine + "\nend").getBytes(StandardCharsets.UTF_8));
    assertEquals(longLine, lines.get(0).text());
    assertEquals("end", lines.get(1).text());
  }

  @Test
  void endOfInputIsSticky() throws IOException {
    try (Utf8LineReader reader = new Utf8LineReader(new ByteArrayInputStream("a".getBytes(StandardCharsets.UTF_8)))) {
      assertEquals("a", reader.next().text());
      assertNull(reader.next());
      assertNull(reader.next());
    }
  }
}
