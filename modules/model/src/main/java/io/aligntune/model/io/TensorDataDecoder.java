package io.aligntune.model.io;

import java.nio.ByteBuffer;

/**
 * Widens little-endian elements of any readable safetensors dtype to float32. F16 and BF16 are widened
 * here in Java (never by the engine: bf16 crashes the CPU libtorch); integer types are converted by
 * value, which is exact up to 2^24.
 */
final class TensorDataDecoder {

  private TensorDataDecoder() {}

  /** Decodes {@code count} elements from {@code src} (little-endian, consumed) into {@code dst[offset...]}. */
  static void decode(SafetensorsDtype dtype, ByteBuffer src, float[] dst, int offset, int count) {
    switch (dtype) {
      case F32 -> {
        src.asFloatBuffer().get(dst, offset, count);
        src.position(src.position() + count * Float.BYTES);
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = FloatFormats.f16ToFloat(src.getShort());
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = FloatFormats.bf16ToFloat(src.getShort());
        }
      }
      case F64 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = (float) src.getDouble();
        }
      }
      case I64 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = src.getLong();
        }
      }
      case U64 -> {
        for (int i = 0; i < count; i++) {
          long v = src.getLong();
          dst[offset + i] = v >= 0 ? v : (float) (v >>> 1) * 2f;
        }
      }
      case I32 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = src.getInt();
        }
      }
      case U32 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = Integer.toUnsignedLong(src.getInt());
        }
      }
      case I16 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = src.getShort();
        }
      }
      case U16 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = src.getShort() & 0xFFFF;
        }
      }
      case I8 -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = src.get();
        }
      }
      case U8, BOOL -> {
        for (int i = 0; i < count; i++) {
          dst[offset + i] = src.get() & 0xFF;
        }
      }
      default -> throw new IllegalArgumentException(dtype + " cannot be widened to float32");
    }
  }
}
