package io.aligntune.core.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class JsonlSourceTest {

  /** Accepts any JSON value and remembers its line, so the tests see exactly what the source delivered. */
  private static final RecordParser<String> LINE_AND_TEXT =
      (record, source, line) -> Parsed.accepted(line + ":" + record.toString());

  static List<Parsed<String>> read(byte[] bytes) {
    try (Stream<Parsed<String>> records = JsonlSource.read("t.jsonl", new ByteArrayInputStream(bytes), LINE_AND_TEXT)) {
      return records.toList();
    }
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private static final byte[] FILE = join(
      "{\"a\": 1}".getBytes(StandardCharsets.UTF_8),
      "".getBytes(StandardCharsets.UTF_8),
      "{\"a\": 2".getBytes(StandardCharsets.UTF_8),
      new byte[] {'{', '"', 'a', '"', ':', ' ', '"', (byte) 0xC3, '(', '"', '}'},
      "  ".getBytes(StandardCharsets.UTF_8),
      "{\"a\": 3}\r".getBytes(StandardCharsets.UTF_8),
      "{\"a\": 4}".getBytes(StandardCharsets.UTF_8));

  private static byte[] join(byte[]... lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < lines.length; i++) {
      out.writeBytes(lines[i]);
      if (i + 1 < lines.length) {
        out.write('\n');
      }
    }
    return out.toByteArray();
  }

  @Test
  void reportsEachBadLineWithItsTrueLineNumberAndReadsOn() {
    List<Parsed<String>> records = read(FILE);
    assertEquals(5, records.size(), "blank lines 2 and 5 are not records");
    assertEquals(List.of("1:{\"a\":1}"), records.get(0).values());
    Reject malformed = records.get(1).rejectOrNull();
    assertEquals(new Reject("t.jsonl", 3, "", RejectReason.MALFORMED_JSON, malformed.detail()), malformed);
    Reject badBytes = records.get(2).rejectOrNull();
    assertEquals(RejectReason.INVALID_UTF8, badBytes.reason());
    assertEquals(4, badBytes.line());
    assertEquals(List.of("6:{\"a\":3}"), records.get(3).values(), "CRLF line endings are fine");
    assertEquals(List.of("7:{\"a\":4}"), records.get(4).values(), "last line without newline is read");

    QuarantineReport report = new QuarantineReport();
    records.forEach(report::add);
    assertEquals(5, report.rowsRead());
    assertEquals(report.rowsRead(), report.rowsAccepted() + report.rowsRejected());
    report.checkConsistent();
  }

  @Test
  void blankLinesAreNotRecordsButAreCountedForTheCaller() {
    long[] blank = {0};
    try (Stream<Parsed<String>> records = JsonlSource.read("t.jsonl", new ByteArrayInputStream(FILE), LINE_AND_TEXT,
        () -> blank[0]++)) {
      assertEquals(5, records.count());
    }
    assertEquals(2, blank[0], "lines 2 (empty) and 5 (spaces)");
    QuarantineReport report = new QuarantineReport().addBlankLines(blank[0]);
    assertEquals(0, report.rowsRead(), "blank lines are not rows");
    assertEquals(4, report.merge(new QuarantineReport().addBlankLines(2)).blankLinesSkipped());
    report.checkConsistent();
  }

  @Test
  void gzipIsDetectedFromMagicBytes() throws IOException {
    assertEquals(read(FILE), read(gzip(FILE)));
  }

  @Test
  void trailingContentOnALineIsMalformed() {
    List<Parsed<String>> records = read("{\"a\": 1} {\"b\": 2}\n{\"a\": 1}x".getBytes(StandardCharsets.UTF_8));
    assertEquals(RejectReason.MALFORMED_JSON, records.get(0).rejectOrNull().reason());
    assertEquals(RejectReason.MALFORMED_JSON, records.get(1).rejectOrNull().reason());
  }

  @Test
  void duplicateKeysAreMalformed() {
    List<Parsed<String>> records = read("{\"a\": 1, \"a\": 2}".getBytes(StandardCharsets.UTF_8));
    Reject reject = records.get(0).rejectOrNull();
    assertEquals(RejectReason.MALFORMED_JSON, reject.reason());
    assertTrue(reject.detail().contains("Duplicate field"), reject.detail());
  }

  @Test
  void closingTheStreamClosesTheInput() {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream in = new ByteArrayInputStream(FILE) {
      @Override
      public void close() {
        closed.set(true);
      }
    };
    try (Stream<Parsed<String>> records = JsonlSource.read("t.jsonl", in, LINE_AND_TEXT)) {
      records.findFirst();
    }
    assertTrue(closed.get());
  }

  @Test
  void truncatedGzipFailsTheRead() throws IOException {
    byte[] whole = gzip("{\"a\": 1}\n".repeat(10_000).getBytes(StandardCharsets.UTF_8));
    byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
    assertThrows(UncheckedIOException.class, () -> read(truncated));
  }

  @Test
  void recordLevelFunctionWorksOnASingleLine() {
    Parsed<String> parsed = JsonlSource.parseLine(new RawLine(42, "{\"x\": true}", null, "\n"), "s3://b/k", LINE_AND_TEXT);
    assertEquals(List.of("42:{\"x\":true}"), parsed.values());
  }

  /** The JSONL lines of a small file, each read by the same source the DPO, SFT and eval jobs use. */
  static <T> List<Parsed<T>> readLines(RecordParser<T> parser, String... lines) {
    byte[] bytes = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    try (Stream<Parsed<T>> records = JsonlSource.read("u.jsonl", new ByteArrayInputStream(bytes), parser)) {
      return records.toList();
    }
  }

  @Test
  void anUnpairedSurrogateEscapeIsInvalidUtf8NamingTheFieldAndLine() {
    // "\ud800" is ASCII on disk and valid JSON, but decodes to half a surrogate pair: no UTF-8 can encode it
    List<Parsed<io.aligntune.core.data.preference.PreferencePair>> pairs = readLines(
        new io.aligntune.core.data.preference.PreferenceRecordParser(
            io.aligntune.core.data.preference.PreferenceFormat.AUTO, io.aligntune.core.data.chat.ChatRenderer.plain()),
        "{\"prompt\": \"p\", \"chosen\": \"fine \\ud83d\\ude00\", \"rejected\": \"r\"}",
        "{\"prompt\": \"p\", \"chosen\": \"bad \\ud800 half\", \"rejected\": \"r\"}");
    assertTrue(pairs.get(0).isAccepted(), "a whole pair (an emoji) is fine: " + pairs.get(0));
    Reject pair = pairs.get(1).rejectOrNull();
    assertEquals(new Reject("u.jsonl", 2, "chosen", RejectReason.INVALID_UTF8, pair.detail()), pair);
    assertTrue(pair.detail().contains("'chosen' holds an unpaired UTF-16 surrogate \\ud800 at character 4"), pair.detail());

    List<Parsed<io.aligntune.core.data.sft.SftExample>> sft = readLines(
        new io.aligntune.core.data.sft.SftRecordParser(
            io.aligntune.core.data.sft.SftFormat.AUTO, io.aligntune.core.data.chat.ChatRenderer.plain()),
        "",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"x\\udc00\"}]}");
    Reject example = sft.get(0).rejectOrNull();
    assertEquals(RejectReason.INVALID_UTF8, example.reason());
    assertEquals("messages[1].content", example.field());
    assertEquals(2, example.line());

    List<Parsed<io.aligntune.core.data.eval.EvalPrompt>> prompts = readLines(new io.aligntune.core.data.eval.EvalPromptParser(),
        "{\"id\": \"a\", \"category\": \"c\", \"prompt\": \"\\udbff\", \"expected\": \"refuse\"}");
    Reject prompt = prompts.get(0).rejectOrNull();
    assertEquals(List.of(RejectReason.INVALID_UTF8, "prompt", 1L), List.of(prompt.reason(), prompt.field(), prompt.line()));
  }

  @Test
  void anUnpairedSurrogateInAKeyOrAJsonArrayElementIsRejectedToo() {
    Reject key = JsonlSource.parseLine(new RawLine(7, "{\"a\": {\"k\\udfff\": 1}}", null, "\n"), "s", LINE_AND_TEXT)
        .rejectOrNull();
    assertEquals(List.of(RejectReason.INVALID_UTF8, "a.k\\udfff", 7L), List.of(key.reason(), key.field(), key.line()));
    try (Stream<Parsed<String>> elements = JsonArraySource.read("a.json",
        new ByteArrayInputStream("[{\"t\": \"ok\"}, {\"t\": [\"\\ud800\"]}]".getBytes(StandardCharsets.UTF_8)),
        (record, source, line) -> Parsed.accepted(record.toString()))) {
      List<Parsed<String>> all = elements.toList();
      assertTrue(all.get(0).isAccepted());
      Reject element = all.get(1).rejectOrNull();
      assertEquals(List.of(RejectReason.INVALID_UTF8, "t[0]", 1L), List.of(element.reason(), element.field(), element.line()));
    }
  }
}
