package io.aligntune.eval.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QualityGateTest {

  private final QualityGate gate = new QualityGate(GateConfig.defaults()); // 0.95, 2 points, floor 0.2

  @Test
  void alignmentIsNeededBelowTheThresholdOnly() {
    AlignmentDecision below = gate.alignmentNeeded(0.9499);
    assertTrue(below.alignmentNeeded());
    assertTrue(below.reason().contains("0.9499 is below the threshold 0.9500"), below.reason());

    AlignmentDecision atThreshold = gate.alignmentNeeded(0.95);
    assertFalse(atThreshold.alignmentNeeded());
    assertTrue(atThreshold.reason().contains("may be skipped"), atThreshold.reason());
    // 19/20 in binary is not exactly 0.95's literal; it still meets the threshold.
    assertFalse(gate.alignmentNeeded(19.0 / 20).alignmentNeeded());
  }

  @Test
  void flagsOverrideTheThreshold() {
    QualityGate forced = new QualityGate(new GateConfig(0.95, 2, 0.2, true, false));
    AlignmentDecision decision = forced.alignmentNeeded(1.0);
    assertTrue(decision.alignmentNeeded());
    assertTrue(decision.reason().contains("force_alignment"), decision.reason());

    QualityGate skipped = new QualityGate(new GateConfig(0.95, 2, 0.2, false, true));
    AlignmentDecision skip = skipped.alignmentNeeded(0.10);
    assertFalse(skip.alignmentNeeded());
    assertTrue(skip.reason().contains("skip_alignment") && skip.reason().contains("0.1000"), skip.reason());
  }

  @Test
  void promotesWhenEveryCheckPassesAtItsBoundary() {
    // Final exactly 2 points under aligned, exactly at the threshold, distinct-2 exactly at the floor.
    GateDecision decision = gate.promotion(0.97, 0.95, 0.2);
    assertTrue(decision.passed(), decision.summary());
    assertEquals(3, decision.reasons().size());
    assertTrue(decision.summary().startsWith("PROMOTED: "), decision.summary());
  }

  @Test
  void refusesWhenFineTuningDropsTooFar() {
    GateDecision decision = gate.promotion(0.99, 0.9699, 0.5);
    assertFalse(decision.passed());
    String reason = decision.reasons().get(0);
    assertTrue(reason.contains("0.9699 dropped 2.01 points from aligned 0.9900"), reason);
    assertTrue(reason.contains("allowed 2.00"), reason);
    assertTrue(decision.summary().startsWith("REFUSED: "), decision.summary());
  }

  @Test
  void refusesBelowTheThresholdEvenWithoutADrop() {
    GateDecision decision = gate.promotion(0.90, 0.9499, 0.5);
    assertFalse(decision.passed());
    assertEquals(1, decision.reasons().stream().filter(r -> r.contains("below the threshold")).count());
    assertTrue(decision.reasons().get(0).contains("0.9499 is below the threshold 0.9500"));
  }

  @Test
  void refusesCollapsedDiversity() {
    GateDecision decision = gate.promotion(0.97, 0.97, 0.1999);
    assertFalse(decision.passed());
    assertTrue(
        decision.reasons().get(0).contains("distinct-2 0.1999 is below the diversity floor 0.2000"),
        decision.reasons().get(0));
  }

  @Test
  void reportsEveryFailureFirst() {
    GateDecision decision = gate.promotion(1.0, 0.5, 0.05);
    assertFalse(decision.passed());
    assertEquals(3, decision.reasons().size());
    assertTrue(decision.reasons().get(0).contains("dropped 50.00 points"));
    assertTrue(decision.reasons().get(1).contains("below the threshold"));
    assertTrue(decision.reasons().get(2).contains("below the diversity floor"));
  }

  @Test
  void zeroAllowedDropMeansNoDrop() {
    QualityGate strict = new QualityGate(new GateConfig(0.5, 0, 0, false, false));
    assertTrue(strict.promotion(0.8, 0.8, 0).passed());
    assertFalse(strict.promotion(0.8, 0.79, 0).passed());
  }

  @Test
  void rejectsRatesOutsideTheUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> gate.alignmentNeeded(95));
    assertThrows(IllegalArgumentException.class, () -> gate.promotion(0.9, Double.NaN, 0.5));
    assertThrows(IllegalArgumentException.class, () -> gate.promotion(0.9, 0.9, -0.1));
  }
}
