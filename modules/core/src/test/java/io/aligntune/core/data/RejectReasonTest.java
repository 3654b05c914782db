package io.aligntune.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RejectReasonTest {

  @Test
  void codesAreUniqueSnakeCaseAndRoundTrip() {
    Set<String> codes = new HashSet<>();
    for (RejectReason reason : RejectReason.values()) {
      assertTrue(reason.code().matches("[a-z0-9]+(_[a-z0-9]+)*"), reason.code());
      assertTrue(codes.add(reason.code()), "duplicate code " + reason.code());
      assertEquals(reason, RejectReason.fromCode(reason.code()));
      assertEquals(reason, RejectReason.fromCode(reason.code().toUpperCase()));
    }
  }

  @Test
  void codesArePinned() {
    // Stored in rejects tables and queried by analysts: changing one breaks their history.
    assertEquals("malformed_json", RejectReason.MALFORMED_JSON.code());
    assertEquals("invalid_utf8", RejectReason.INVALID_UTF8.code());
    assertEquals("identical_chosen_rejected", RejectReason.IDENTICAL_CHOSEN_REJECTED.code());
    assertEquals("identical_after_truncation", RejectReason.IDENTICAL_AFTER_TRUNCATION.code());
    assertEquals("no_completion_tokens", RejectReason.NO_COMPLETION_TOKENS.code());
    assertEquals("prompt_not_shared", RejectReason.PROMPT_NOT_SHARED.code());
  }

  @Test
  void unknownCodeIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> RejectReason.fromCode("bad_vibes"));
  }
}
