package io.aligntune.model.io;

import java.util.Optional;

/**
 * Element types of the safetensors format, by their header spelling. All of them are known so that a
 * header can be size-checked in full; {@link #readable} says which ones this project widens to float32
 * and {@link #writable} which ones it writes (the float formats Llama checkpoints actually use).
 */
public enum SafetensorsDtype {
  F32(4, true, true, "float32"),
  F16(2, true, true, "float16"),
  BF16(2, true, true, "bfloat16"),
  F64(8, true, false, "float64"),
  I64(8, true, false, "int64"),
  I32(4, true, false, "int32"),
  I16(2, true, false, "int16"),
  I8(1, true, false, "int8"),
  U64(8, true, false, "uint64"),
  U32(4, true, false, "uint32"),
  U16(2, true, false, "uint16"),
  U8(1, true, false, "uint8"),
  BOOL(1, true, false, "bool"),
  F8_E4M3(1, false, false, "float8_e4m3fn"),
  F8_E5M2(1, false, false, "float8_e5m2");

  private final int byteSize;
  private final boolean readable;
  private final boolean writable;
  private final String torchName;

  SafetensorsDtype(int byteSize, boolean readable, boolean writable, String torchName) {
    this.byteSize = byteSize;
    this.readable = readable;
    this.writable = writable;
    this.torchName = torchName;
  }

  /** Bytes per element on disk. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether {@link SafetensorsReader} can widen this type to float32 (integers above 2^24 lose precision). */
  public boolean readable() {
    return readable;
  }

  /** Whether {@link SafetensorsWriter} can store float32 data as this type. */
  public boolean writable() {
    return writable;
  }

  /** The PyTorch name, as Hugging Face writes it into {@code config.json}'s {@code torch_dtype}. */
  public String torchName() {
    return torchName;
  }

  /** Looks up a header dtype string; the format spells them upper case, which is required here. */
  public static Optional<SafetensorsDtype> fromHeader(String name) {
    for (SafetensorsDtype dtype : values()) {
      if (dtype.name().equals(name)) {
        return Optional.of(dtype);
      }
    }
    return Optional.empty();
  }

  /**
   * Parses a user-facing dtype name: header spellings ({@code BF16}) and torch spellings
   * ({@code bfloat16}) alike, any case. Only writable types are accepted.
   */
  public static SafetensorsDtype parseWritable(String name) {
    String wanted = name.trim();
    for (SafetensorsDtype dtype : values()) {
      if (dtype.writable
          && (dtype.name().equalsIgnoreCase(wanted) || dtype.torchName.equalsIgnoreCase(wanted))) {
        return dtype;
      }
    }
    throw new IllegalArgumentException(
        "unsupported checkpoint dtype '" + name + "' (use one of f32/float32, f16/float16, bf16/bfloat16)");
  }
}
