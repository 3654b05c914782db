package io.aligntune.core.data.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.StrictJson;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.sft.SftExample.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

class SftRecordParserTest {

  private static final SftRecordParser AUTO = new SftRecordParser(SftFormat.AUTO, ChatRenderer.plain());

  static List<Segment> segments(SftRecordParser parser, String json) throws Exception {
    Parsed<SftExample> parsed = parser.parse(StrictJson.parse(json), "f.jsonl", 4);
    assertEquals(1, parsed.values().size(), String.valueOf(parsed.rejectOrNull()));
    return parsed.values().get(0).segments();
  }

  static String reject(String json) throws Exception {
    Reject reject = AUTO.parse(StrictJson.parse(json), "f.jsonl", 4).rejectOrNull();
    assertNotNull(reject, "expected a reject for " + json);
    assertEquals(4, reject.line());
    return reject.field() + " " + reject.reason().code();
  }

  @Test
  void promptCompletion() throws Exception {
    assertEquals(List.of(Segment.context("Q:"), Segment.supervised(" A")),
        segments(AUTO, "{\"prompt\": \"Q:\", \"completion\": \" A\"}"));
    assertEquals(List.of(Segment.context("user: Q\nassistant:"), Segment.supervised(" A")),
        segments(AUTO, "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}], \"completion\": "
            + "[{\"role\": \"assistant\", \"content\": \"A\"}]}"));
  }

  @Test
  void messagesSuperviseEveryAssistantTurnOnly() throws Exception {
    List<Segment> segments = segments(AUTO, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"},"
        + " {\"role\": \"assistant\", \"content\": \"Hello\"}, {\"role\": \"user\", \"content\": \"Bye\"},"
        + " {\"role\": \"assistant\", \"content\": \"Later\"}]}");
    assertEquals(List.of(
        Segment.context("user: Hi\nassistant:"), Segment.supervised(" Hello"),
        Segment.context("\nuser: Bye\nassistant:"), Segment.supervised(" Later")), segments);
  }

  @Test
  void alpacaWithAndWithoutInput() throws Exception {
    List<Segment> withInput = segments(AUTO, "{\"instruction\": \"Translate.\", \"input\": \"Bonjour\", \"output\": \"Hello\"}");
    assertEquals(List.of(Segment.context(
        "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\nTranslate.\n\n### Input:\nBonjour\n\n### Response:"), Segment.supervised("Hello")), withInput);
    for (String input : List.of("\"input\": \"\", ", "\"input\": null, ", "")) {
      List<Segment> noInput = segments(AUTO, "{\"instruction\": \"Say hi.\", " + input + "\"output\": \"Hi\"}");
      assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes "
          + "the request.\n\n### Instruction:\nSay hi.\n\n### Response:", noInput.get(0).text());
    }
    SftRecordParser lora = new SftRecordParser(SftFormat.AUTO, ChatRenderer.plain(), AlpacaPromptTemplate.ALPACA_LORA);
    String loraPrompt = segments(lora, "{\"instruction\": \"x\", \"output\": \"y\"}").get(0).text();
    String stanfordPrompt = segments(AUTO, "{\"instruction\": \"x\", \"output\": \"y\"}").get(0).text();
    assertEquals(stanfordPrompt + "\n", loraPrompt);
  }

  @Test
  void plainTextIsAllSupervised() throws Exception {
    assertEquals(List.of(Segment.supervised("Once upon a time.")), segments(AUTO, "{\"text\": \"Once upon a time.\"}"));
  }

  @Test
  void badRecords() throws Exception {
    assertEquals("completion missing_field", reject("{\"prompt\": \"Q\"}"));
    assertEquals("output empty_field", reject("{\"instruction\": \"Q\", \"output\": \"\"}"));
    assertEquals("input wrong_type", reject("{\"instruction\": \"Q\", \"input\": 3, \"output\": \"A\"}"));
    assertEquals("text wrong_type", reject("{\"text\": [\"a\"]}"));
    assertEquals("messages invalid_value", reject("{\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}]}"));
    assertEquals("messages empty_field", reject("{\"messages\": []}"));
    assertEquals(" unknown_format", reject("{\"question\": \"Q\", \"answer\": \"A\"}"));
  }

  @Test
  void formatNamesForConfig() {
    assertEquals(SftFormat.ALPACA, SftFormat.fromConfigName("alpaca"));
  }
}
