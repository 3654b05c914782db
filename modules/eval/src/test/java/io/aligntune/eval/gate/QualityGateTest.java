package io.aligntune.eval.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
    assertEquals(List.of("pass_rate_drop", "pass_rate", "diversity"), decision.checks().stream().map(GateCheck::check).toList());
    assertTrue(decision.checks().stream().allMatch(GateCheck::passed), decision.checks().toString());
    assertEquals(List.of(), decision.reasons(), "nothing to refuse for");
    assertEquals(3, decision.passes().size());
    assertTrue(decision.summary().startsWith("PROMOTED: ") && decision.summary().contains("within the allowed drop"),
        decision.summary());
  }

  @Test
  void aRefusalListsOnlyTheFailedChecksAsReasonsAndFlagsEachCheck() {
    // a drop of 3 points (fails), 0.96 against 0.95 (passes), distinct-2 0.1 under 0.2 (fails)
    GateDecision decision = gate.promotion(0.99, 0.96, 0.1);
    assertFalse(decision.passed());
    GateCheck drop = decision.checks().get(0);
    GateCheck threshold = decision.checks().get(1);
    GateCheck diversity = decision.checks().get(2);
    assertEquals("pass_rate_drop", drop.check());
    assertFalse(drop.passed());
    assertEquals(3.0, drop.value(), 1e-9);
    assertEquals(2.0, drop.limit(), 0);
    assertEquals("pass_rate", threshold.check());
    assertTrue(threshold.passed());
    assertEquals(0.96, threshold.value(), 0);
    assertEquals(0.95, threshold.limit(), 0);
    assertEquals("diversity", diversity.check());
    assertFalse(diversity.passed());
    assertEquals(List.of(drop.detail(), diversity.detail()), decision.reasons());
    assertEquals(List.of(threshold.detail()), decision.passes());
    String summary = decision.summary();
    assertTrue(summary.startsWith("REFUSED: ") && !summary.contains("meets") && !summary.contains("within"), summary);
    assertThrows(IllegalArgumentException.class, () -> new GateDecision(true, decision.checks()),
        "passed must agree with the checks");
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

  @Test
  void perplexityGateRefusesAForgettingModelAndAdmitsTheBoundary() {
    QualityGate ppl = new QualityGate(new GateConfig(0.5, 2, 0.2, false, false, 1.25));
    GateDecision atLimit = ppl.promotion(0.9, 0.9, 0.5, 12.0, 15.0);
    assertTrue(atLimit.passed(), atLimit.summary());
    assertTrue(atLimit.summary().contains("final held-out perplexity 15.00 against base 12.00 x 1.25 (15.00): within"),
        atLimit.summary());
    GateDecision forgot = ppl.promotion(0.9, 0.9, 0.5, 12.0, 15.01);
    assertFalse(forgot.passed());
    assertTrue(forgot.reasons().get(0).contains("forgot general text"), forgot.reasons().toString());
    // a better perplexity than the base always passes
    assertTrue(ppl.promotion(0.9, 0.9, 0.5, 12.0, 9.0).passed());
  }

  @Test
  void perplexityGateNeedsBothMeasurementsAndIsOffAtZero() {
    QualityGate ppl = new QualityGate(new GateConfig(0.5, 2, 0.2, false, false, 1.25));
    assertThrows(IllegalArgumentException.class, () -> ppl.promotion(0.9, 0.9, 0.5, Double.NaN, 10.0));
    assertThrows(IllegalArgumentException.class, () -> ppl.promotion(0.9, 0.9, 0.5, 10.0, Double.POSITIVE_INFINITY));
    // off: perplexities are not looked at, and there is no perplexity reason
    QualityGate off = new QualityGate(new GateConfig(0.5, 2, 0.2, false, false, 0));
    GateDecision d = off.promotion(0.9, 0.9, 0.5, 10.0, 1000.0);
    assertTrue(d.passed());
    assertEquals(3, d.checks().size());
    assertThrows(IllegalArgumentException.class, () -> new GateConfig(0.5, 2, 0.2, false, false, 0.8));
  }
}
