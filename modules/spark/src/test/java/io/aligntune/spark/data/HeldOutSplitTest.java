package io.aligntune.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The split is a pure function of (seed, index) with the requested share held out. */
class HeldOutSplitTest {

  static int heldOut(HeldOutSplit split, int n) {
    int count = 0;
    for (long i = 0; i < n; i++) {
      if (split.isHeldOut(i)) {
        count++;
      }
    }
    return count;
  }

  @Test
  void shareIsTheFractionWithinBinomialNoise() {
    // 100,000 draws at p = 0.1: standard deviation about 95; allow 5 of them
    assertEquals(10_000, heldOut(new HeldOutSplit(0.1, 1), 100_000), 475);
    assertEquals(50_000, heldOut(new HeldOutSplit(0.5, 2), 100_000), 800);
    assertEquals(0, heldOut(new HeldOutSplit(0.0, 3), 10_000));
  }

  @Test
  void sameSeedSameSidesOtherSeedOtherSides() {
    HeldOutSplit a = new HeldOutSplit(0.1, 42);
    HeldOutSplit b = new HeldOutSplit(0.1, 42);
    HeldOutSplit c = new HeldOutSplit(0.1, 43);
    int differ = 0;
    for (long i = 0; i < 10_000; i++) {
      assertEquals(a.isHeldOut(i), b.isHeldOut(i));
      if (a.isHeldOut(i) != c.isHeldOut(i)) {
        differ++;
      }
    }
    assertTrue(differ > 1000, "another seed picks other examples: " + differ);
  }

  @Test
  void consecutiveIndexesAreNotClustered() {
    // a split tied to input order would hold out runs; count runs of held-out indexes
    HeldOutSplit split = new HeldOutSplit(0.1, 7);
    int longest = 0;
    int run = 0;
    for (long i = 0; i < 10_000; i++) {
      run = split.isHeldOut(i) ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    assertTrue(longest < 8, "longest run of held-out indexes " + longest);
    assertNotEquals(HeldOutSplit.uniform(0, 0), HeldOutSplit.uniform(0, 1));
  }

  @Test
  void fractionOutsideZeroToOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(1.0, 0));
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(-0.1, 0));
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(Double.NaN, 0));
  }
}
