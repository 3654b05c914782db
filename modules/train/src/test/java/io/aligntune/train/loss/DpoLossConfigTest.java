package io.aligntune.train.loss;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DpoLossConfigTest {

  private static void assertRejected(String expectedInMessage, Runnable construction) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
    assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
  }

  @Test
  void validatesBetaAndLabelSmoothing() {
    assertRejected("beta = 0.0", () -> DpoLossConfig.sigmoid(0));
    assertRejected("beta = NaN", () -> DpoLossConfig.sigmoid(Double.NaN));
    assertRejected("beta = Infinity", () -> DpoLossConfig.sigmoid(Double.POSITIVE_INFINITY));
    assertRejected("label_smoothing = 0.5", () -> DpoLossConfig.conservative(0.1, 0.5));
    assertRejected("label_smoothing = -0.1", () -> DpoLossConfig.conservative(0.1, -0.1));
    assertDoesNotThrow(() -> DpoLossConfig.conservative(0.1, 0.49));
  }

  @Test
  void refusesOptionsThatTheChosenLossWouldIgnore() {
    assertRejected(
        "only to loss_type sigmoid",
        () -> new DpoLossConfig(DpoLossType.HINGE, 0.1, 0.1, false));
    assertRejected(
        "only to loss_type ipo", () -> new DpoLossConfig(DpoLossType.SIGMOID, 0.1, 0, true));
    assertRejected("allowed values", () -> new DpoLossConfig(null, 0.1, 0, false));
  }
}
