package io.aligntune.core.data.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.StrictJson;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.io.JsonlSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PreferenceRecordParserTest {

  private static final PreferenceRecordParser AUTO = PreferenceRecordParser.autoDetect(ChatRenderer.plain());

  static Parsed<PreferencePair> parse(PreferenceRecordParser parser, String json) throws Exception {
    return parser.parse(StrictJson.parse(json), "f.jsonl", 9);
  }

  static Reject reject(PreferenceRecordParser parser, String json) throws Exception {
    Reject reject = parse(parser, json).rejectOrNull();
    assertNotNull(reject, "expected a reject for " + json);
    return reject;
  }

  static PreferencePair only(Parsed<PreferencePair> parsed) {
    assertNotNull(parsed.values(), String.valueOf(parsed.rejectOrNull()));
    assertEquals(1, parsed.values().size(), String.valueOf(parsed.rejectOrNull()));
    return parsed.values().get(0);
  }

  @Test
  void quarantinesEveryKindOfBadLineOfAFile() throws Exception {
    // src/test/resources/data/preferences_with_rejects.jsonl: one line per case, see the expectations below.
    List<Reject> rejects = new ArrayList<>();
    List<PreferencePair> pairs = new ArrayList<>();
    QuarantineReport report = new QuarantineReport();
    try (InputStream in = getClass().getResourceAsStream("/data/preferences_with_rejects.jsonl");
        Stream<Parsed<PreferencePair>> records = JsonlSource.read("bad.jsonl", in, AUTO)) {
      records.forEach(parsed -> {
        report.add(parsed);
        pairs.addAll(parsed.values());
        if (parsed.rejectOrNull() != null) {
          rejects.add(parsed.rejectOrNull());
        }
      });
    }
    List<String> expected = List.of(
        "3 '' malformed_json",
        "4 '' invalid_utf8",
        "5 'chosen' missing_field",
        "6 'chosen' empty_field",
        "7 'rejected' identical_chosen_rejected",
        "8 'scores' no_pairs",
        "10 'rejected' prompt_not_shared",
        "11 'scores[0]' invalid_value",
        "12 'scores' invalid_value",
        "13 '' unknown_format",
        "14 'prompt' wrong_type",
        "15 '' wrong_type",
        "18 '' malformed_json",
        "19 '' malformed_json");
    assertEquals(expected, rejects.stream().map(r -> r.line() + " '" + r.field() + "' " + r.reason().code()).toList());
    rejects.forEach(r -> assertEquals("bad.jsonl", r.sourceFile()));

    assertEquals(List.of(1L, 9L, 9L, 16L, 17L, 21L), pairs.stream().map(PreferencePair::line).toList());
    assertEquals(19, report.rowsRead(), "21 lines, two of them blank");
    assertEquals(5, report.rowsAccepted());
    assertEquals(14, report.rowsRejected());
    assertEquals(6, report.valuesProduced(), "the ranked row on line 9 gives two pairs");
    assertEquals(3, report.rejected(RejectReason.MALFORMED_JSON));
    assertEquals(report.rowsRead(), report.rowsAccepted() + report.rowsRejected());
    report.checkConsistent();

    assertEquals(new PreferencePair("Q", "best", "mid", "bad.jsonl", 9, 0), pairs.get(1));
    assertEquals(new PreferencePair("Q", "best", "worst", "bad.jsonl", 9, 1), pairs.get(2));
    assertEquals(new PreferencePair("user: Hi\nassistant:", " Hello", " Bye", "bad.jsonl", 16), pairs.get(3));
    assertEquals(new PreferencePair("user: Hi\nassistant:", " Hello", " Bye", "bad.jsonl", 17), pairs.get(4));
    assertEquals(new PreferencePair("\n\nHuman: hi\n\nAssistant:", " yes", " no", "bad.jsonl", 21), pairs.get(5));
  }

  @Test
  void promptChosenRejectedIsVerbatim() throws Exception {
    PreferencePair pair = only(parse(AUTO, "{\"prompt\": \" Q \", \"chosen\": \"A\\n\", \"rejected\": \"B\"}"));
    assertEquals(new PreferencePair(" Q ", "A\n", "B", "f.jsonl", 9), pair);
  }

  @Test
  void chatPromptMayBeCalledMessages() throws Exception {
    PreferencePair pair = only(parse(AUTO,
        "{\"messages\": [{\"role\": \"system\", \"content\": \"\"}, {\"role\": \"user\", \"content\": \"Hi\"}],"
            + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"A\"}], \"rejected\": \"B\"}"));
    assertEquals("system: \nuser: Hi\nassistant:", pair.prompt(), "empty system prompts are allowed");
    assertEquals(" A", pair.chosen());
  }

  @Test
  void chatFieldProblemsNameTheElement() throws Exception {
    Reject noContent = reject(AUTO,
        "{\"prompt\": [{\"role\": \"user\"}], \"chosen\": \"A\", \"rejected\": \"B\"}");
    assertEquals("prompt[0].content missing_field", noContent.field() + " " + noContent.reason().code());
    Reject emptyUser = reject(AUTO,
        "{\"prompt\": [{\"role\": \"user\", \"content\": \" \"}], \"chosen\": \"A\", \"rejected\": \"B\"}");
    assertEquals("prompt[0].content empty_field", emptyUser.field() + " " + emptyUser.reason().code());
    Reject twoAnswers = reject(AUTO, "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}], \"chosen\": "
        + "[{\"role\": \"assistant\", \"content\": \"A\"}, {\"role\": \"assistant\", \"content\": \"A2\"}], \"rejected\": \"B\"}");
    assertEquals("chosen invalid_value", twoAnswers.field() + " " + twoAnswers.reason().code());
    Reject userAnswer = reject(AUTO, "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}], \"chosen\": "
        + "[{\"role\": \"user\", \"content\": \"A\"}], \"rejected\": \"B\"}");
    assertEquals("chosen[0].role invalid_value", userAnswer.field() + " " + userAnswer.reason().code());
    Reject endsWithAnswer = reject(AUTO, "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}, "
        + "{\"role\": \"assistant\", \"content\": \"A\"}], \"chosen\": \"A\", \"rejected\": \"B\"}");
    assertEquals("prompt invalid_value", endsWithAnswer.field() + " " + endsWithAnswer.reason().code());
    Reject nullChosen = reject(AUTO, "{\"prompt\": \"Q\", \"chosen\": null, \"rejected\": \"B\"}");
    assertEquals("chosen wrong_type", nullChosen.field() + " " + nullChosen.reason().code());
  }

  @Test
  void preferredOutputRejectsNameNestedFields() throws Exception {
    Reject noMessages = reject(AUTO, "{\"input\": {}, \"preferred_output\": [], \"non_preferred_output\": []}");
    assertEquals("input.messages missing_field", noMessages.field() + " " + noMessages.reason().code());
    Reject same = reject(AUTO, "{\"input\": {\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}]},"
        + " \"preferred_output\": [{\"role\": \"assistant\", \"content\": \"A\"}],"
        + " \"non_preferred_output\": [{\"role\": \"assistant\", \"content\": \"A\"}]}");
    assertEquals("rejected identical_chosen_rejected", same.field() + " " + same.reason().code());
    Reject missing = reject(AUTO, "{\"input\": {\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}]},"
        + " \"preferred_output\": [{\"role\": \"assistant\", \"content\": \"A\"}]}");
    assertEquals("non_preferred_output missing_field", missing.field() + " " + missing.reason().code());
  }

  @Test
  void rankedChatPromptRendersEachResponse() throws Exception {
    Parsed<PreferencePair> parsed = parse(AUTO, "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}],"
        + " \"responses\": [\"bad\", [{\"role\": \"assistant\", \"content\": \"good\"}]], \"scores\": [-1.5, 2]}");
    assertEquals(List.of(new PreferencePair("user: Q\nassistant:", " good", " bad", "f.jsonl", 9)), parsed.values());
  }

  @Test
  void rankedScoresMustBeFiniteNumbers() throws Exception {
    assertEquals("scores[1] invalid_value", describe(reject(AUTO,
        "{\"prompt\": \"Q\", \"responses\": [\"a\", \"b\"], \"scores\": [1, Infinity]}")));
    assertEquals("scores[0] wrong_type", describe(reject(AUTO,
        "{\"prompt\": \"Q\", \"responses\": [\"a\", \"b\"], \"scores\": [\"1\", 2]}")));
    assertEquals("responses invalid_value", describe(reject(AUTO,
        "{\"prompt\": \"Q\", \"responses\": [\"a\"], \"scores\": [1]}")));
    assertEquals("responses[1] empty_field", describe(reject(AUTO,
        "{\"prompt\": \"Q\", \"responses\": [\"a\", \"\"], \"scores\": [1, 0]}")));
  }

  @Test
  void forcedFormatReportsMissingFieldsInsteadOfGuessing() throws Exception {
    PreferenceRecordParser hh = new PreferenceRecordParser(PreferenceFormat.HH_TRANSCRIPT, ChatRenderer.plain());
    assertEquals("chosen missing_field", describe(reject(hh, "{\"prompt\": \"Q\", \"responses\": []}")));
    PreferenceRecordParser text = new PreferenceRecordParser(PreferenceFormat.PROMPT_CHOSEN_REJECTED, ChatRenderer.plain());
    assertEquals("prompt wrong_type", describe(reject(text,
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}], \"chosen\": \"A\", \"rejected\": \"B\"}")));
  }

  @Test
  void detectionOrderIsByKeys() throws Exception {
    assertEquals(PreferenceFormat.PREFERRED_OUTPUT, PreferenceRecordParser.detect(json("{\"preferred_output\": 1, \"chosen\": 1}")));
    assertEquals(PreferenceFormat.RANKED, PreferenceRecordParser.detect(json("{\"scores\": 1, \"chosen\": 1}")));
    assertEquals(PreferenceFormat.CHAT, PreferenceRecordParser.detect(json("{\"prompt\": [], \"chosen\": 1}")));
    assertEquals(PreferenceFormat.PROMPT_CHOSEN_REJECTED, PreferenceRecordParser.detect(json("{\"prompt\": \"p\", \"rejected\": 1}")));
    assertEquals(PreferenceFormat.HH_TRANSCRIPT, PreferenceRecordParser.detect(json("{\"rejected\": 1}")));
    assertEquals(PreferenceFormat.HH_TRANSCRIPT, PreferenceFormat.fromConfigName("HH_Transcript"));
    assertThrows(IllegalArgumentException.class, () -> PreferenceFormat.fromConfigName("dpo"));
  }

  @Test
  void parsesRecordsHeldAsMaps() {
    Map<String, Object> row = Map.of(
        "prompt", List.of(Map.of("role", "user", "content", "Hi")), "chosen", "A", "rejected", "B");
    assertEquals(List.of(new PreferencePair("user: Hi\nassistant:", " A", " B", "t.parquet", 3)),
        AUTO.parseMap(row, "t.parquet", 3).values());
  }

  @Test
  void parserShipsToSparkExecutors() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(AUTO);
    }
    PreferenceRecordParser copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (PreferenceRecordParser) in.readObject();
    }
    String record = "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"chosen\": \"A\", \"rejected\": \"B\"}";
    assertEquals(parse(AUTO, record), parse(copy, record));
  }

  private static JsonNode json(String text) throws Exception {
    return StrictJson.parse(text);
  }

  private static String describe(Reject reject) {
    return reject.field() + " " + reject.reason().code();
  }
}
