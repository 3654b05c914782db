package io.aligntune.core.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class JsonArraySourceTest {

  private static final RecordParser<String> INDEX_AND_TEXT =
      (record, source, index) -> Parsed.accepted(index + ":" + record.toString());

  static List<Parsed<String>> read(byte[] bytes) {
    try (Stream<Parsed<String>> records = JsonArraySource.read("t.json", new ByteArrayInputStream(bytes), INDEX_AND_TEXT)) {
      return records.toList();
    }
  }

  static List<Parsed<String>> read(String text) {
    return read(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void elementsGetZeroBasedIndexes() {
    List<Parsed<String>> records = read("[\n {\"a\": 1},\n {\"a\": 2},\n \"text\"\n]\n");
    assertEquals(List.of("0:{\"a\":1}"), records.get(0).values());
    assertEquals(List.of("1:{\"a\":2}"), records.get(1).values());
    assertEquals(List.of("2:\"text\""), records.get(2).values());
    assertEquals(3, records.size());
  }

  @Test
  void gzippedArrayIsRead() throws IOException {
    byte[] gz = JsonlSourceTest.gzip("[{\"a\": 1}]".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("0:{\"a\":1}"), read(gz).get(0).values());
  }

  @Test
  void syntaxErrorEndsTheArrayWithOneRejectAtThatElement() {
    List<Parsed<String>> records = read("[{\"a\": 1}, {\"a\": 2}, {\"a\" 3}, {\"a\": 4}]");
    assertEquals(3, records.size());
    Reject reject = records.get(2).rejectOrNull();
    assertEquals(RejectReason.MALFORMED_JSON, reject.reason());
    assertEquals(2, reject.line());
  }

  @Test
  void topLevelObjectIsOneReject() {
    List<Parsed<String>> records = read("{\"a\": 1}");
    assertEquals(1, records.size());
    assertEquals(RejectReason.MALFORMED_JSON, records.get(0).rejectOrNull().reason());
    assertEquals(0, records.get(0).rejectOrNull().line());
  }

  @Test
  void unclosedArrayAndTrailingContentAreRejects() {
    List<Parsed<String>> unclosed = read("[{\"a\": 1}");
    assertEquals(2, unclosed.size());
    assertEquals(RejectReason.MALFORMED_JSON, unclosed.get(1).rejectOrNull().reason());
    List<Parsed<String>> trailing = read("[{\"a\": 1}] [2]");
    assertEquals(2, trailing.size());
    assertEquals(1, trailing.get(1).rejectOrNull().line());
  }

  @Test
  void invalidUtf8IsReportedAsSuch() {
    byte[] bytes = {'[', '"', 'o', 'k', '"', ',', '"', (byte) 0xFF, '"', ']'};
    List<Parsed<String>> records = read(bytes);
    assertEquals(2, records.size());
    Reject reject = records.get(1).rejectOrNull();
    assertEquals(RejectReason.INVALID_UTF8, reject.reason(), reject.detail());
    assertEquals(1, reject.line());
  }

  @Test
  void emptyArrayHasNoRecords() {
    assertEquals(0, read("[]").size());
  }
}
