package io.aligntune.spark.data;

import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A small preference file with one record of each kind of fault, in prompt/chosen/rejected and ranked
 * layouts. Under {@link #POLICY} (max_length 24, max_prompt_length 22: a prompt that must be cut leaves one
 * token, which EOS takes) the long-prompt record has no completion token left, and the record whose answers
 * differ only after ~40 tokens becomes identical once cut.
 */
final class BadPreferenceRecords {

  static final TruncationPolicy POLICY = new TruncationPolicy(24, 22);

  private static final String SHARED = "The answer depends on many things, and the first of them, as always, is "
      + "what exactly you mean by the question you asked";

  /**
   * One line of the file: its text, and the reject it must produce (null when accepted).
   *
   * @param validJson whether the line is one well-formed JSON object (and so can also be a Parquet row)
   */
  record Line(String text, RejectReason reason, String field, PreparationStage stage, boolean validJson) {}

  static final List<Line> LINES = List.of(
      /* 1 */ ok("{\"prompt\":\"Say hi.\",\"chosen\":\" Hi there!\",\"rejected\":\" Go away.\"}"),
      // ranked, with a tie at the best score: best (0) against 1 and 3; response 2 ties with 0 and is skipped
      /* 2 */ ok("{\"prompt\":\"Pick one.\",\"responses\":[\" Red.\",\" Blue.\",\" Green.\",\" Red!\"],\"scores\":[3,1,3,2]}"),
      /* 3 */ new Line("{\"prompt\":\"Q?\",\"chosen\": ", RejectReason.MALFORMED_JSON, "", PreparationStage.PARSE, false),
      /* 4 */ new Line("{\"prompt\":\"caf\u00ff(\",\"chosen\":\" a\",\"rejected\":\" b\"}", RejectReason.INVALID_UTF8, "",
          PreparationStage.PARSE, false),
      /* 5 */ parse("{\"prompt\":\"Q?\",\"chosen\":\" A.\"}", RejectReason.MISSING_FIELD, "rejected"),
      /* 6 */ parse("{\"prompt\":\"Q?\",\"chosen\":\"   \",\"rejected\":\" B.\"}", RejectReason.EMPTY_FIELD, "chosen"),
      /* 7 */ parse("{\"prompt\":\"Q?\",\"chosen\":\" Same.\",\"rejected\":\" Same.\"}",
          RejectReason.IDENTICAL_CHOSEN_REJECTED, "rejected"),
      /* 8 */ tokenize("{\"prompt\":\"Q?\",\"chosen\":\" " + SHARED + " yes.\",\"rejected\":\" " + SHARED + " no.\"}",
          RejectReason.IDENTICAL_AFTER_TRUNCATION, "rejected"),
      /* 9 */ tokenize("{\"prompt\":\"" + "Tell me a very long story about a cat and a dog. ".repeat(6)
          + "\",\"chosen\":\" Once.\",\"rejected\":\" No.\"}", RejectReason.NO_COMPLETION_TOKENS, "chosen"),
      // ranked, every response tied: no preference at all
      /* 10 */ parse("{\"prompt\":\"Tie?\",\"responses\":[\" a\",\" b\"],\"scores\":[1,1]}", RejectReason.NO_PAIRS, "scores"),
      /* 11 */ new Line("", null, null, null, false),
      /* 12 */ ok("{\"prompt\":\"Last one.\",\"chosen\":\" Good.\",\"rejected\":\" Bad.\"}"));

  /** Lines 1, 2 (two pairs) and 12. */
  static final int EXAMPLES = 4;

  private BadPreferenceRecords() {}

  /**
   * The file's bytes: UTF-8, except that line 4's U+00FF is written as the lone byte 0xFF, which is never
   * valid UTF-8.
   */
  static byte[] jsonl() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Line line : LINES) {
      byte[] bytes = line.text().getBytes(StandardCharsets.UTF_8);
      if (line.reason() == RejectReason.INVALID_UTF8) {
        bytes = line.text().getBytes(StandardCharsets.ISO_8859_1);
      }
      out.writeBytes(bytes);
      out.write('\n');
    }
    return out.toByteArray();
  }

  /** The records that Parquet can hold (well-formed JSON), in file order. */
  static List<Line> parquetRows() {
    return LINES.stream().filter(Line::validJson).toList();
  }

  private static Line ok(String text) {
    return new Line(text, null, null, null, true);
  }

  private static Line parse(String text, RejectReason reason, String field) {
    return new Line(text, reason, field, PreparationStage.PARSE, true);
  }

  private static Line tokenize(String text, RejectReason reason, String field) {
    return new Line(text, reason, field, PreparationStage.TOKENIZE, true);
  }
}
