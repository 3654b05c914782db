package io.aligntune.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reference values are the published Wilson 95% intervals (e.g. 8/10 → 0.4902–0.9433). */
class WilsonIntervalTest {

  private static void assertInterval(double lower, double upper, WilsonInterval interval) {
    assertEquals(lower, interval.lower(), 5e-5, "lower of " + interval);
    assertEquals(upper, interval.upper(), 5e-5, "upper of " + interval);
  }

  @Test
  void matchesKnownValues() {
    assertInterval(0.4902, 0.9433, WilsonInterval.of(8, 10));
    assertInterval(0.4038, 0.5962, WilsonInterval.of(50, 100));
    assertInterval(0.8882, 0.9785, WilsonInterval.of(95, 100));
    assertInterval(0.0, 0.2775, WilsonInterval.of(0, 10));
    assertInterval(0.7225, 1.0, WilsonInterval.of(10, 10));
    assertEquals(0.8, WilsonInterval.of(8, 10).proportion());
  }

  @Test
  void staysInsideTheUnitIntervalAtTheExtremes() {
    for (long n : new long[] {1, 2, 7, 1000, 1_000_000}) {
      WilsonInterval none = WilsonInterval.of(0, n);
      WilsonInterval all = WilsonInterval.of(n, n);
      assertEquals(0.0, none.lower());
      assertTrue(none.upper() > 0 && none.upper() <= 1);
      assertEquals(1.0, all.upper());
      assertTrue(all.upper() <= 1.0 && all.lower() < 1);
    }
  }

  @Test
  void noTrialsGiveTheWholeRangeAndAFlag() {
    WilsonInterval empty = WilsonInterval.of(0, 0);
    assertFalse(empty.hasData());
    assertEquals(0.0, empty.lower());
    assertEquals(1.0, empty.upper());
    assertThrows(IllegalStateException.class, empty::proportion);
    assertTrue(empty.toString().contains("no data"));
  }

  @Test
  void widerForHigherConfidence() {
    WilsonInterval z95 = WilsonInterval.of(8, 10);
    WilsonInterval z99 = WilsonInterval.of(8, 10, 2.5758293035489004);
    assertTrue(z99.lower() < z95.lower() && z99.upper() > z95.upper());
  }

  @Test
  void rejectsImpossibleCounts() {
    assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(11, 10));
    assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(-1, 10));
    assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(1, 10, 0));
  }
}
