package io.aligntune.core.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CsvReaderTest {

  static List<Parsed<CsvRecord>> read(byte[] bytes) {
    try (Stream<Parsed<CsvRecord>> records = CsvReader.read("t.csv", new ByteArrayInputStream(bytes))) {
      return records.toList();
    }
  }

  static List<Parsed<CsvRecord>> read(String text) {
    return read(text.getBytes(StandardCharsets.UTF_8));
  }

  static CsvRecord record(Parsed<CsvRecord> parsed) {
    return ((Parsed.Accepted<CsvRecord>) parsed).value();
  }

  @Test
  void readsRfc4180Quoting() {
    List<Parsed<CsvRecord>> records = read(
        "id,text,note\n"
            + "1,plain,\n"
            + "2,\"with, comma\",\"say \"\"hi\"\"\"\n"
            + "3,\"two\nlines\",\"\"\n"
            + "4,5\" screen,x\n");
    assertEquals(List.of("id", "text", "note"), record(records.get(0)).fields());
    assertEquals(new CsvRecord(2, List.of("1", "plain", "")), record(records.get(1)));
    assertEquals(new CsvRecord(3, List.of("2", "with, comma", "say \"hi\"")), record(records.get(2)));
    assertEquals(new CsvRecord(4, List.of("3", "two\nlines", "")), record(records.get(3)));
    assertEquals(new CsvRecord(6, List.of("4", "5\" screen", "x")), record(records.get(4)),
        "the record after a two-line record starts on line 6");
  }

  @Test
  void keepsCrLfInsideQuotesAndEndsRecordsAtCrLf() {
    List<Parsed<CsvRecord>> records = read("a,b\r\n\"x\r\ny\",z\r\n");
    assertEquals(new CsvRecord(2, List.of("x\r\ny", "z")), record(records.get(1)));
    assertEquals(2, records.size());
  }

  @Test
  void skipsEmptyLinesBetweenRecords() {
    List<Parsed<CsvRecord>> records = read("a\n\n\nb\n");
    assertEquals(2, records.size());
    assertEquals(4, record(records.get(1)).line());
  }

  @Test
  void textAfterClosingQuoteIsMalformed() {
    List<Parsed<CsvRecord>> records = read("a,b\n\"x\"y,z\nok,1\n");
    Reject reject = records.get(1).rejectOrNull();
    assertEquals(RejectReason.MALFORMED_CSV, reject.reason());
    assertEquals(2, reject.line());
    assertEquals(new CsvRecord(3, List.of("ok", "1")), record(records.get(2)));
  }

  @Test
  void unterminatedQuoteIsOneRejectAtItsStartLine() {
    List<Parsed<CsvRecord>> records = read("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n");
    assertEquals(3, records.size());
    Reject reject = records.get(2).rejectOrNull();
    assertEquals(RejectReason.MALFORMED_CSV, reject.reason());
    assertEquals(3, reject.line());
  }

  @Test
  void invalidUtf8RejectsTheWholeRecordAndReadingGoesOn() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes("a,b\n\"multi\n".getBytes(StandardCharsets.UTF_8));
    bytes.writeBytes(new byte[] {'b', 'a', 'd', (byte) 0xFF, '"', ',', 'x', '\n'});
    bytes.writeBytes("good,1\n".getBytes(StandardCharsets.UTF_8));
    List<Parsed<CsvRecord>> records = read(bytes.toByteArray());
    assertEquals(3, records.size());
    Reject reject = records.get(1).rejectOrNull();
    assertEquals(RejectReason.INVALID_UTF8, reject.reason());
    assertEquals(2, reject.line());
    assertFalse(records.get(1).isAccepted());
    assertEquals(new CsvRecord(4, List.of("good", "1")), record(records.get(2)));
  }

  @Test
  void lastRecordWithoutNewlineIsRead() {
    List<Parsed<CsvRecord>> records = read("a,b\n1,\"2\"");
    assertEquals(new CsvRecord(2, List.of("1", "2")), record(records.get(1)));
  }
}
