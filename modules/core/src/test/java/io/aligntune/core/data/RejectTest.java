package io.aligntune.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RejectTest {

  @Test
  void longDetailIsCapped() {
    Reject reject = new Reject("f.jsonl", 3, "", RejectReason.MALFORMED_JSON, "x".repeat(50_000));
    assertEquals(Reject.MAX_DETAIL_CHARS, reject.detail().length());
    assertTrue(reject.detail().endsWith("…"));
  }

  @Test
  void negativeLineIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new Reject("f.jsonl", -1, "", RejectReason.MALFORMED_JSON, "bad"));
  }
}
