package io.aligntune.core.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TruncationPolicyTest {

  @Test
  void errorsNameTheFieldAndTheAcceptedRange() {
    IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class, () -> new TruncationPolicy(2, 1));
    assertTrue(tooShort.getMessage().startsWith("max_length must be at least 3"), tooShort.getMessage());
    IllegalArgumentException promptTooLong = assertThrows(IllegalArgumentException.class, () -> new TruncationPolicy(512, 512));
    assertEquals("max_prompt_length must be between 1 and max_length - 1 = 511, got 512", promptTooLong.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TruncationPolicy(512, 0));
  }

  @Test
  void eosAfterCutCompletionIsTheDefault() {
    assertTrue(new TruncationPolicy(1024, 512).eosWhenCut());
  }

  @Test
  void promptIsCutOnlyWhenTheSequenceIsTooLong() {
    TruncationPolicy policy = new TruncationPolicy(10, 3);
    assertEquals(6, policy.promptTokensToKeep(6, 3), "1 + 6 + 3 = 10 fits");
    assertEquals(3, policy.promptTokensToKeep(6, 4));
    assertEquals(2, policy.promptTokensToKeep(2, 50), "a short prompt is never padded up to max_prompt_length");
    assertEquals(6, policy.tailBudget(3));
  }
}
