package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatFormatsTest {

  private static int f16(float v) {
    return FloatFormats.floatToF16(v) & 0xFFFF;
  }

  private static int bf16(float v) {
    return FloatFormats.floatToBf16(v) & 0xFFFF;
  }

  private static float fromBits(int bits) {
    return Float.intBitsToFloat(bits);
  }

  @Test
  void widensHalfGoldenValues() {
    assertEquals(1.0f, FloatFormats.f16ToFloat((short) 0x3C00));
    assertEquals(-2.0f, FloatFormats.f16ToFloat((short) 0xC000));
    assertEquals(65504.0f, FloatFormats.f16ToFloat((short) 0x7BFF)); // largest finite half
    assertEquals(0x1p-24f, FloatFormats.f16ToFloat((short) 0x0001)); // smallest subnormal
    assertEquals(0x3FFp-24f, FloatFormats.f16ToFloat((short) 0x03FF)); // largest subnormal
    assertEquals(0x1p-14f, FloatFormats.f16ToFloat((short) 0x0400)); // smallest normal
    assertEquals(0.333251953125f, FloatFormats.f16ToFloat((short) 0x3555));
    assertEquals(Float.POSITIVE_INFINITY, FloatFormats.f16ToFloat((short) 0x7C00));
    assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.f16ToFloat((short) 0xFC00));
    assertEquals(0x8000_0000, Float.floatToRawIntBits(FloatFormats.f16ToFloat((short) 0x8000))); // -0
    assertTrue(Float.isNaN(FloatFormats.f16ToFloat((short) 0x7E00)));
    assertTrue(Float.isNaN(FloatFormats.f16ToFloat((short) 0x7C01)));
  }

  @Test
  void narrowsToHalfWithTiesToEven() {
    assertEquals(0x3C00, f16(1.0f));
    assertEquals(0x3C00, f16(1.0f + 0x1p-11f)); // tie between 0x3C00 (even) and 0x3C01
    assertEquals(0x3C02, f16(1.0f + 3 * 0x1p-11f)); // tie between 0x3C01 and 0x3C02 (even)
    assertEquals(0x3C01, f16(Math.nextUp(1.0f + 0x1p-11f))); // just above the tie rounds up
    assertEquals(0x7BFF, f16(65519.0f)); // below the half-way point to 65536
    assertEquals(0x7C00, f16(65520.0f)); // tie with 65536 rounds to even, i.e. overflows to infinity
    assertEquals(0x7C00, f16(1e10f));
    assertEquals(0xFC00, f16(-1e10f));
    assertEquals(0x8000, f16(-0.0f));
    assertEquals(0x0000, f16(Float.MIN_VALUE)); // float subnormal underflows
  }

  @Test
  void narrowsHalfSubnormalsWithTiesToEven() {
    assertEquals(0x0000, f16(0x1p-25f)); // exactly half the smallest subnormal: tie to even zero
    assertEquals(0x0001, f16(Math.nextUp(0x1p-25f)));
    assertEquals(0x0002, f16(3 * 0x1p-25f)); // tie between 1 and 2 subnormal steps
    assertEquals(0x0002, f16(5 * 0x1p-25f)); // tie between 2 and 3: even is 2
    assertEquals(0x03FF, f16(0x3FFp-24f));
    assertEquals(0x0400, f16(0x1p-14f - 0x1p-26f)); // rounds up across into the smallest normal
    assertEquals(0x8001, f16(-0x1p-24f));
  }

  @Test
  void keepsNaNAndInfinity() {
    assertEquals(0x7E00, f16(Float.NaN));
    assertEquals(0x7C00, f16(Float.POSITIVE_INFINITY));
    assertEquals(0xFC00, f16(Float.NEGATIVE_INFINITY));
    // A NaN whose payload lies only in the bits half drops must still be NaN, not infinity.
    assertEquals(0x7E00, f16(fromBits(0x7F80_0001)));
    assertEquals(0xFE00, f16(fromBits(0xFF80_0001)));
    assertEquals(0x7FC0, bf16(fromBits(0x7F80_0001)));
    assertEquals(0xFFC0, bf16(fromBits(0xFF80_0001)));
    assertEquals(0x7FC0, bf16(Float.NaN));
    assertEquals(0x7F80, bf16(Float.POSITIVE_INFINITY));
    assertEquals(0xFF80, bf16(Float.NEGATIVE_INFINITY));
  }

  @Test
  void bf16GoldenValuesAndTies() {
    assertEquals(0x3F80, bf16(1.0f));
    assertEquals(0xC000, bf16(-2.0f));
    assertEquals(0x3F80, bf16(fromBits(0x3F80_8000))); // tie: 0x3F80 is even
    assertEquals(0x3F82, bf16(fromBits(0x3F81_8000))); // tie: 0x3F82 is even
    assertEquals(0x3F81, bf16(fromBits(0x3F80_8001))); // above the tie
    assertEquals(0x3F80, bf16(fromBits(0x3F80_7FFF))); // below the tie
    assertEquals(0x7F80, bf16(Float.MAX_VALUE)); // rounds up to infinity
    assertEquals(0x0001, bf16(fromBits(0x0000_8001))); // subnormals round like everything else
    assertEquals(1.0f, FloatFormats.bf16ToFloat((short) 0x3F80));
    assertEquals(3.140625f, FloatFormats.bf16ToFloat((short) 0x4049));
  }

  @Test
  void everySixteenBitPatternSurvivesWideningAndNarrowing() {
    for (int bits = 0; bits < 0x10000; bits++) {
      short h = (short) bits;
      assertEquals(bits, f16(FloatFormats.f16ToFloat(h)), () -> "f16 pattern " + Integer.toHexString(h & 0xFFFF));
      assertEquals(bits, bf16(FloatFormats.bf16ToFloat(h)), () -> "bf16 pattern " + Integer.toHexString(h & 0xFFFF));
    }
  }

  @Test
  void halfRoundingPicksTheNearestNeighbour() {
    Random random = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      float value = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(40) - 26));
      if (Math.abs(value) >= 65504f) {
        continue;
      }
      int h = f16(value);
      double error = Math.abs((double) FloatFormats.f16ToFloat((short) h) - value);
      for (int neighbour : new int[] {h - 1, h + 1}) {
        if ((neighbour & 0x7C00) == 0x7C00 || (neighbour & 0x8000) != (h & 0x8000)) {
          continue; // off the finite range, or across the sign bit
        }
        double other = Math.abs((double) FloatFormats.f16ToFloat((short) neighbour) - value);
        assertTrue(error <= other, "value " + value + " → " + Integer.toHexString(h) + " but neighbour is closer");
      }
    }
  }
}
