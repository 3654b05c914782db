package io.aligntune.train.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DpoLossTypeTest {

  @Test
  void parsesConfigNames() {
    assertEquals(DpoLossType.SIGMOID, DpoLossType.fromConfig("sigmoid"));
    assertEquals(DpoLossType.IPO, DpoLossType.fromConfig(" IPO "));
    assertEquals(DpoLossType.HINGE, DpoLossType.fromConfig("hinge"));
  }

  @Test
  void unknownNameListsAllowedValues() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DpoLossType.fromConfig("kto"));
    assertTrue(e.getMessage().contains("'kto'"), e.getMessage());
    assertTrue(e.getMessage().contains("sigmoid, ipo, hinge"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DpoLossType.fromConfig(null));
  }
}
