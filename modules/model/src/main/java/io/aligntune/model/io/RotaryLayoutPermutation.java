package io.aligntune.model.io;

/**
 * Reorders query/key projection rows between the two rotary-embedding conventions.
 *
 * <p>llama2.c (and Meta's original Llama code) rotates adjacent pairs {@code (2i, 2i+1)} of each head
 * by frequency {@code theta^(-2i/headDim)}; Hugging Face's "rotate half" pairs {@code (i, i + headDim/2)}
 * with the same frequency. Moving output row {@code 2i} of each head to position {@code i} and row
 * {@code 2i+1} to {@code i + headDim/2} makes the half-split rotation of the permuted projection equal
 * the interleaved rotation of the original, up to that same reordering of q and k. Attention only uses
 * q·k within a head, which the shared reordering leaves unchanged, so the model computes the same
 * function. (This undoes the {@code permute} in transformers' {@code convert_llama_weights_to_hf}.)
 */
public final class RotaryLayoutPermutation {

  private RotaryLayoutPermutation() {}

  /**
   * Permutes the rows of a row-major {@code [numHeads * headDim, cols]} weight from the interleaved
   * (llama2.c) to the half-split (Hugging Face) rotary layout; returns a new array.
   */
  public static float[] interleavedToHalfSplit(float[] weight, int numHeads, int headDim, int cols) {
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even, got " + headDim);
    }
    if ((long) numHeads * headDim * cols != weight.length) {
      throw new IllegalArgumentException(
          "weight has " + weight.length + " values, not " + numHeads + " heads × " + headDim + " rows × " + cols);
    }
    int half = headDim / 2;
    float[] out = new float[weight.length];
    for (int head = 0; head < numHeads; head++) {
      int base = head * headDim;
      for (int j = 0; j < headDim; j++) {
        int source = j < half ? 2 * j : 2 * (j - half) + 1;
        System.arraycopy(weight, (base + source) * cols, out, (base + j) * cols, cols);
      }
    }
    return out;
  }
}
