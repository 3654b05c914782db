package io.aligntune.model.io;

/**
 * Conversions between float32 and the two 16-bit float formats found in checkpoints: IEEE 754 binary16
 * ("f16", "half") and bfloat16 ("bf16", the upper half of a float32).
 *
 * <p>Java 17 has no {@code Float.float16ToFloat}, and bf16 must never reach the CPU engine (it crashes
 * libtorch through DJL), so both formats are converted here on the heap. Narrowing rounds to nearest,
 * ties to even, like PyTorch's {@code .to(torch.float16 / torch.bfloat16)}. NaN stays NaN (its sign and
 * top payload bits are kept), so widening a 16-bit value and narrowing it again gives back the same bits.
 */
public final class FloatFormats {

  private FloatFormats() {}

  /** Widens a bfloat16 bit pattern to float32; exact, since bf16 is a float32 with 16 mantissa bits cut. */
  public static float bf16ToFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
  }

  /** Narrows float32 to the nearest bfloat16 (ties to even); overflow rounds to infinity as in IEEE 754. */
  public static short floatToBf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      int upper = bits >>> 16;
      // A NaN whose payload sits only in the dropped low bits would otherwise turn into infinity.
      if ((upper & 0x7F) == 0) {
        upper |= 0x40;
      }
      return (short) upper;
    }
    // Adding 0x7FFF plus the lowest kept bit rounds half-way cases towards the even neighbour.
    int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + roundingBias) >>> 16);
  }

  /** Widens an IEEE binary16 bit pattern to float32; exact for every value, subnormals included. */
  public static float f16ToFloat(short f16) {
    int h = f16 & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0) {
      // Zero or subnormal: mantissa × 2^-24, exactly representable as a float32.
      float magnitude = mantissa * 0x1p-24f;
      return sign != 0 ? -magnitude : magnitude;
    }
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /**
   * Narrows float32 to the nearest IEEE binary16 (ties to even). Values beyond the half range become
   * infinity, values below half of the smallest subnormal become (signed) zero.
   */
  public static short floatToF16(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xFF;
    int mantissa = bits & 0x7F_FFFF;
    if (exponent == 0xFF) {
      if (mantissa == 0) {
        return (short) (sign | 0x7C00);
      }
      int payload = mantissa >>> 13;
      // Keep the top payload bits; if they are all zero, set the quiet bit so the result is still NaN.
      return (short) (sign | 0x7C00 | (payload == 0 ? 0x200 : payload));
    }
    int halfExponent = exponent - 127 + 15;
    if (halfExponent >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (halfExponent <= 0) {
      return (short) (sign | subnormalF16Magnitude(mantissa | 0x80_0000, 14 - halfExponent));
    }
    int rounded = (halfExponent << 10) | (mantissa >>> 13);
    int dropped = mantissa & 0x1FFF;
    // A carry out of the mantissa correctly bumps the exponent, and from the top binade to infinity.
    if (dropped > 0x1000 || (dropped == 0x1000 && (rounded & 1) != 0)) {
      rounded++;
    }
    return (short) (sign | rounded);
  }

  /**
   * Half subnormal magnitude for a float with 24-bit significand {@code significand} (implicit bit set),
   * i.e. significand shifted right by {@code shift} with round-half-even. A carry into bit 10 yields the
   * smallest normal half, which is the right answer.
   */
  private static int subnormalF16Magnitude(int significand, int shift) {
    if (shift > 24) {
      return 0; // below 2^-25, i.e. less than half the smallest subnormal
    }
    int kept = significand >>> shift;
    int dropped = significand & ((1 << shift) - 1);
    int halfway = 1 << (shift - 1);
    if (dropped > halfway || (dropped == halfway && (kept & 1) != 0)) {
      kept++;
    }
    return kept;
  }
}
