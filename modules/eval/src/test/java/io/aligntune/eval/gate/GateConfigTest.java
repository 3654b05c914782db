package io.aligntune.eval.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GateConfigTest {

  private static void assertRejected(String expected, Runnable construction) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void defaults() {
    GateConfig config = GateConfig.defaults();
    assertEquals(0.95, config.passRateThreshold());
    assertEquals(2.0, config.maxDropPoints());
    assertEquals(0.2, config.diversityFloor());
  }

  @Test
  void validatesEveryField() {
    assertRejected("pass_rate_threshold = 95.0 is invalid; it must lie in [0, 1]",
        () -> new GateConfig(95, 2, 0.2, false, false));
    assertRejected("max_drop_points = -1.0", () -> new GateConfig(0.95, -1, 0.2, false, false));
    assertRejected("max_drop_points = 101.0", () -> new GateConfig(0.95, 101, 0.2, false, false));
    assertRejected("diversity_floor = NaN", () -> new GateConfig(0.95, 2, Double.NaN, false, false));
    assertRejected("contradict", () -> new GateConfig(0.95, 2, 0.2, true, true));
  }
}
