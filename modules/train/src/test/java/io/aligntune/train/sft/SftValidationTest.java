package io.aligntune.train.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.optim.AdamW;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patience, thresholds and best-weight bookkeeping, against scripted eval losses (no model). */
class SftValidationTest {

  /** Returns the scripted losses in order, each over 10 tokens. */
  static EvalLoss scripted(double... losses) {
    Iterator<Double> next = java.util.Arrays.stream(losses).boxed().iterator();
    return weights -> new TokenNll(next.next() * 10, 10);
  }

  static TrainingState state(float value) {
    Map<String, HostTensor> w = new LinkedHashMap<>();
    w.put("w", new HostTensor(new long[] {2}, new float[] {value, -value}));
    return new TrainingState(w, new AdamW(AdamW.Settings.defaults()), 0);
  }

  @Test
  void stopsAfterPatienceEvaluationsWithoutImprovementAndRestoresTheBest() {
    SftValidation v = new SftValidation(scripted(3.0, 2.0, 2.5, 1.9999, 2.6),
        new SftValidation.Settings(1, 3, 1e-3, false, true));
    TrainingState s = state(0);
    float[] seen = {10, 20, 30, 40, 50};
    for (int i = 0; i < seen.length; i++) {
      s.weights().get("w").data()[0] = seen[i];
      v.evaluate(s);
      assertEquals(i == 4, v.stopRequested(), "after evaluation " + i);
    }
    // 1.9999 is below 2.0 but not by more than min_delta: no improvement
    assertEquals(2.0, v.best().orElseThrow().loss(), 1e-12);
    assertTrue(v.restoreBest(s));
    assertArrayEquals(new float[] {20, -0f}, s.weights().get("w").data());
    assertEquals(5, v.evaluations().size());
  }

  @Test
  void patienceZeroNeverStopsAndAnImprovementResetsTheCount() {
    SftValidation never = new SftValidation(scripted(1, 2, 3, 4), new SftValidation.Settings(1, 0, 0, false, false));
    TrainingState s = state(1);
    for (int i = 0; i < 4; i++) {
      never.evaluate(s);
    }
    assertFalse(never.stopRequested());

    SftValidation reset = new SftValidation(scripted(3, 4, 2, 5), new SftValidation.Settings(1, 2, 0, false, true));
    for (int i = 0; i < 3; i++) {
      reset.evaluate(s);
      assertFalse(reset.stopRequested());
    }
    reset.evaluate(s);
    assertFalse(reset.stopRequested(), "one evaluation without improvement since the best at 2");
  }

  @Test
  void dueEveryKStepsAndAtTheEnd() {
    SftValidation v = new SftValidation(scripted(), new SftValidation.Settings(4, 1, 0, false, true));
    assertEquals(List.of(4L, 8L, 10L),
        java.util.stream.LongStream.rangeClosed(1, 10).filter(s -> v.isDue(s, 10)).boxed().toList());
  }

  @Test
  void anEmptyEvaluationIsAnErrorNotZero() {
    SftValidation v = new SftValidation(w -> TokenNll.ZERO, new SftValidation.Settings(1, 1, 0, false, true));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> v.evaluate(state(0)));
    assertTrue(e.getMessage().contains("no supervised token"), e.getMessage());
    assertFalse(v.restoreBest(state(0)), "nothing to restore without an evaluation");
  }

  @Test
  void settingsNameTheBadField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SftValidation.Settings(0, 1, 0, false, true));
    assertTrue(e.getMessage().contains("eval_steps"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SftValidation.Settings(1, -1, 0, false, true));
    assertThrows(IllegalArgumentException.class, () -> new SftValidation.Settings(1, 1, Double.NaN, false, true));
  }
}
