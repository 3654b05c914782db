package io.aligntune.core.data.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import org.junit.jupiter.api.Test;

class HhTranscriptSplitTest {

  @Test
  void splitsAtTheLastAssistantTurnKeepingTheLeadingSpace() {
    String context = "\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Tell me a joke";
    HhTranscriptSplit split = HhTranscriptSplit.of(context + "\n\nAssistant: Knock knock.", context + "\n\nAssistant: No.");
    assertEquals(context + "\n\nAssistant:", split.prompt());
    assertEquals(" Knock knock.", split.chosen());
    assertEquals(" No.", split.rejected());
    assertEquals(context + "\n\nAssistant: Knock knock.", split.prompt() + split.chosen());
  }

  @Test
  void differentContextsAreNotShared() {
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> HhTranscriptSplit.of("\n\nHuman: a\n\nAssistant: x", "\n\nHuman: b\n\nAssistant: y"));
    assertEquals(RejectReason.PROMPT_NOT_SHARED, rejection.reason());
  }

  @Test
  void extraTurnOnOneSideIsNotShared() {
    String base = "\n\nHuman: a\n\nAssistant: x";
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> HhTranscriptSplit.of(base + "\n\nHuman: more\n\nAssistant: y", base + " and more"));
    assertEquals(RejectReason.PROMPT_NOT_SHARED, rejection.reason());
  }

  @Test
  void transcriptWithoutAssistantTurnIsNotShared() {
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> HhTranscriptSplit.of("\n\nHuman: a", "\n\nHuman: a\n\nAssistant: y"));
    assertEquals(RejectReason.PROMPT_NOT_SHARED, rejection.reason());
    assertEquals("chosen", rejection.field());
  }

  @Test
  void emptyLastAnswerIsEmptyField() {
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> HhTranscriptSplit.of("\n\nHuman: a\n\nAssistant: ", "\n\nHuman: a\n\nAssistant: y"));
    assertEquals(RejectReason.EMPTY_FIELD, rejection.reason());
    assertEquals("chosen", rejection.field());
  }
}
