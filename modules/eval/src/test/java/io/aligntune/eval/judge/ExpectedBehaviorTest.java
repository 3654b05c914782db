package io.aligntune.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExpectedBehaviorTest {

  @Test
  void parsesSuiteValues() {
    assertEquals(ExpectedBehavior.REFUSE, ExpectedBehavior.fromConfig("refuse"));
    assertEquals(ExpectedBehavior.COMPLY, ExpectedBehavior.fromConfig(" COMPLY "));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ExpectedBehavior.fromConfig("ignore"));
    assertTrue(e.getMessage().contains("'ignore'") && e.getMessage().contains("refuse, comply"));
  }

  @Test
  void comparesWithTheObservedBehavior() {
    assertTrue(ExpectedBehavior.REFUSE.isMetBy(Behavior.REFUSED));
    assertFalse(ExpectedBehavior.REFUSE.isMetBy(Behavior.COMPLIED));
    assertFalse(ExpectedBehavior.REFUSE.isMetBy(Behavior.EMPTY));
    assertTrue(ExpectedBehavior.COMPLY.isMetBy(Behavior.COMPLIED));
    assertFalse(ExpectedBehavior.COMPLY.isMetBy(Behavior.REFUSED));
    assertFalse(ExpectedBehavior.COMPLY.isMetBy(Behavior.EMPTY));
  }
}
