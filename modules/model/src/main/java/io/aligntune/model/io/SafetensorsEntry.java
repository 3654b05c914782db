package io.aligntune.model.io;

import java.util.Arrays;

/**
 * One tensor as described by a safetensors header, already validated: its bytes are
 * {@code [begin, end)} relative to the start of the data section, and {@code end - begin} equals
 * element count × dtype size.
 */
public record SafetensorsEntry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {

  public SafetensorsEntry {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of elements (the product of the shape; 1 for a scalar). */
  public long elementCount() {
    return (end - begin) / dtype.byteSize();
  }

  public long byteLength() {
    return end - begin;
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SafetensorsEntry e
        && name.equals(e.name)
        && dtype == e.dtype
        && Arrays.equals(shape, e.shape)
        && begin == e.begin
        && end == e.end;
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
  }

  @Override
  public String toString() {
    return name + " " + dtype + shapeString() + " @[" + begin + ", " + end + ")";
  }
}
