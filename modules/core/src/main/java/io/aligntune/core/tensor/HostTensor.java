package io.aligntune.core.tensor;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A dense float32 tensor on the JVM heap, row-major. This is the form in which weights, gradients and
 * optimizer moments cross module and Spark boundaries: plain arrays, no native memory, serializable.
 * Narrower on-disk types (f16, bf16) are widened to float32 when read and rounded when written.
 */
public record HostTensor(long[] shape, float[] data) implements Serializable {

  public HostTensor {
    if (shape == null || data == null) {
      throw new IllegalArgumentException("shape and data are required");
    }
    long n = numel(shape);
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " elements but data has " + data.length);
    }
  }

  public static HostTensor zeros(long... shape) {
    return new HostTensor(shape.clone(), new float[Math.toIntExact(numel(shape))]);
  }

  /** Number of elements a shape holds; a negative dimension is an error. */
  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public long numel() {
    return data.length;
  }

  public HostTensor copy() {
    return new HostTensor(shape.clone(), data.clone());
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "HostTensor" + Arrays.toString(shape);
  }
}
