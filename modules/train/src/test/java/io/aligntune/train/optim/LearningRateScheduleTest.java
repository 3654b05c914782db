package io.aligntune.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

  private static final double PEAK = 1e-3;

  @Test
  void constantIsConstant() {
    LearningRateSchedule schedule = new LearningRateSchedule.Constant(PEAK);
    assertEquals(PEAK, schedule.lr(0));
    assertEquals(PEAK, schedule.lr(1_000_000));
  }

  @Test
  void cosineWarmsUpThenDecaysToTheFloor() {
    // W = 10, N = 110, r = 0.1: decay runs over steps 10..110, midpoint 60.
    LearningRateSchedule schedule = new LearningRateSchedule.WarmupCosine(PEAK, 10, 110, 0.1);
    assertEquals(0.0, schedule.lr(0));
    assertEquals(0.5e-3, schedule.lr(5), 1e-15);
    assertEquals(PEAK, schedule.lr(10), 1e-15); // end of warmup
    // quarter way: 0.1 + 0.9·½·(1 + cos(π/4)) = 0.868198…
    assertEquals(PEAK * (0.1 + 0.45 * (1 + Math.sqrt(0.5))), schedule.lr(35), 1e-15);
    assertEquals(PEAK * 0.55, schedule.lr(60), 1e-15); // midpoint: (1 + r)/2
    assertEquals(PEAK * 0.1, schedule.lr(110), 1e-15); // end
    assertEquals(PEAK * 0.1, schedule.lr(500), 1e-15); // stays at the floor
  }

  @Test
  void linearWarmsUpThenDecaysToTheFloor() {
    LearningRateSchedule schedule = new LearningRateSchedule.WarmupLinear(PEAK, 10, 110, 0.0);
    assertEquals(0.0, schedule.lr(0));
    assertEquals(PEAK, schedule.lr(10), 1e-15);
    assertEquals(PEAK * 0.75, schedule.lr(35), 1e-15);
    assertEquals(PEAK * 0.5, schedule.lr(60), 1e-15);
    assertEquals(0.0, schedule.lr(110), 1e-15);
    assertEquals(0.0, schedule.lr(111), 1e-15);

    LearningRateSchedule withFloor = new LearningRateSchedule.WarmupLinear(PEAK, 10, 110, 0.2);
    assertEquals(PEAK * 0.6, withFloor.lr(60), 1e-15);
    assertEquals(PEAK * 0.2, withFloor.lr(110), 1e-15);
  }

  @Test
  void noWarmupStartsAtThePeak() {
    assertEquals(PEAK, new LearningRateSchedule.WarmupCosine(PEAK, 0, 100, 0).lr(0), 1e-15);
    assertEquals(PEAK, new LearningRateSchedule.WarmupLinear(PEAK, 0, 100, 0).lr(0), 1e-15);
  }

  @Test
  void buildsFromConfigNames() {
    assertInstanceOf(
        LearningRateSchedule.Constant.class, LearningRateSchedule.fromConfig("constant", PEAK, 0, 1, 0));
    assertInstanceOf(
        LearningRateSchedule.WarmupCosine.class,
        LearningRateSchedule.fromConfig("Cosine", PEAK, 5, 50, 0.1));
    assertInstanceOf(
        LearningRateSchedule.WarmupLinear.class, LearningRateSchedule.fromConfig("linear", PEAK, 5, 50, 0));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LearningRateSchedule.fromConfig("polynomial", PEAK, 5, 50, 0));
    assertTrue(e.getMessage().contains("constant, cosine, linear"), e.getMessage());
  }

  @Test
  void rejectsInvalidSettings() {
    assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.Constant(0));
    assertThrows(
        IllegalArgumentException.class, () -> new LearningRateSchedule.WarmupCosine(PEAK, 20, 10, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new LearningRateSchedule.WarmupCosine(PEAK, 0, 0, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new LearningRateSchedule.WarmupLinear(PEAK, 0, 10, 1.5));
    assertThrows(
        IllegalArgumentException.class, () -> new LearningRateSchedule.Constant(PEAK).lr(-1));
  }
}
