package io.aligntune.model.io;

import io.aligntune.core.model.LlamaConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The 7 little-endian int32 values that open a llama2.c legacy (version 0) checkpoint, and the file
 * size they imply. A negative {@code vocabSize} is llama2.c's way of saying the classifier is not tied
 * to the embedding, so a separate {@code wcls} follows the other weights.
 */
public record Llama2cHeader(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen) {

  public static final int BYTES = 7 * Integer.BYTES;

  /** llama2.c's versioned exports (version 1 and later) start with this magic ("ak42" little-endian). */
  static final int VERSIONED_EXPORT_MAGIC = 0x616b3432;

  /** Reads the header from the start of {@code file} and validates it (not yet against the file size). */
  public static Llama2cHeader read(Path file, FileChannel channel) throws IOException {
    if (channel.size() < BYTES) {
      throw new CheckpointFormatException(
          file + ": " + channel.size() + " bytes is too short for a llama2.c checkpoint header (" + BYTES + " bytes)");
    }
    ByteBuffer buffer = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    LittleEndianChannelReader.readFully(channel, buffer, 0, file.toString());
    buffer.flip();
    int first = buffer.getInt(0);
    if (first == VERSIONED_EXPORT_MAGIC) {
      throw new CheckpointFormatException(
          file + ": llama2.c export version " + buffer.getInt(4) + " is not supported; only the legacy"
              + " version 0 layout (llama2.c export.py --version 0) can be read");
    }
    Llama2cHeader header =
        new Llama2cHeader(
            buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt(),
            buffer.getInt());
    header.validate(file);
    return header;
  }

  private void validate(Path file) throws CheckpointFormatException {
    positive(file, "dim", dim);
    positive(file, "hidden_dim", hiddenDim);
    positive(file, "n_layers", nLayers);
    positive(file, "n_heads", nHeads);
    positive(file, "n_kv_heads", nKvHeads);
    positive(file, "seq_len", seqLen);
    if (vocabSize == 0 || vocabSize == Integer.MIN_VALUE) {
      throw invalid(file, "vocab_size=" + vocabSize + " is not a vocabulary size");
    }
    if (dim % nHeads != 0 || (dim / nHeads) % 2 != 0) {
      throw invalid(file, "dim=" + dim + " does not split into n_heads=" + nHeads + " heads of even size");
    }
    if (nHeads % nKvHeads != 0) {
      throw invalid(file, "n_kv_heads=" + nKvHeads + " does not divide n_heads=" + nHeads);
    }
  }

  private static void positive(Path file, String field, int value) throws CheckpointFormatException {
    if (value <= 0) {
      throw invalid(file, field + "=" + value + " must be positive");
    }
  }

  private static CheckpointFormatException invalid(Path file, String problem) {
    return new CheckpointFormatException(
        file + ": llama2.c header " + problem + " (not a llama2.c version 0 checkpoint?)");
  }

  /** Whether the output classifier shares the embedding matrix (positive vocab_size in the file). */
  public boolean sharedClassifier() {
    return vocabSize > 0;
  }

  public int vocab() {
    return Math.abs(vocabSize);
  }

  public int headSize() {
    return dim / nHeads;
  }

  public int kvDim() {
    return nKvHeads * headSize();
  }

  /**
   * Number of float32 values the header implies, legacy RoPE tables and (if untied) wcls included.
   * Computed with overflow checks because the header is untrusted.
   *
   * @throws ArithmeticException if the header describes more than 2^63 values
   */
  public long floatCount() {
    long d = dim;
    long perLayer =
        Math.addExact(
            Math.addExact(2 * d, Math.multiplyExact(2 * d, d)),
            Math.addExact(Math.multiplyExact(2L * kvDim(), d), Math.multiplyExact(3L * hiddenDim, d)));
    long embedding = Math.multiplyExact((long) vocab(), d);
    long total =
        Math.addExact(
            Math.addExact(embedding, Math.multiplyExact((long) nLayers, perLayer)),
            d + (long) seqLen * headSize());
    return sharedClassifier() ? total : Math.addExact(total, embedding);
  }

  /** Exact size a well-formed file with this header has (same overflow rule as {@link #floatCount}). */
  public long fileBytes() {
    return Math.addExact(BYTES, Math.multiplyExact(floatCount(), (long) Float.BYTES));
  }

  /** The equivalent Hugging Face configuration; llama2.c fixes eps, theta and the BOS/EOS ids. */
  public LlamaConfig toConfig() {
    return new LlamaConfig(
        dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab(), seqLen, 1e-5, 10000.0, sharedClassifier(), 1, 2, 0);
  }

  @Override
  public String toString() {
    return "dim=" + dim + ", hidden_dim=" + hiddenDim + ", n_layers=" + nLayers + ", n_heads=" + nHeads
        + ", n_kv_heads=" + nKvHeads + ", vocab_size=" + vocabSize + ", seq_len=" + seqLen;
  }
}
