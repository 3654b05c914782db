package io.aligntune.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * Rotary position embeddings (Su et al. 2021, "RoFormer") in the Hugging Face "rotate-half" layout: within
 * a head of width D, element i &lt; D/2 is rotated together with element i + D/2 by angle pos·θ^(−2i/D).
 * llama2.c rotates adjacent pairs (2i, 2i+1) instead; its checkpoints are converted on load by permuting
 * the q/k projection rows, so this class serves both.
 */
final class RotaryEmbedding implements AutoCloseable {

  private final NDArray cosTable; // [maxPositions, D] (the half-table repeated twice)
  private final NDArray sinTable;

  RotaryEmbedding(NDManager manager, int headDim, int maxPositions, double theta) {
    int half = headDim / 2;
    float[] cos = new float[maxPositions * headDim];
    float[] sin = new float[maxPositions * headDim];
    for (int i = 0; i < half; i++) {
      // float32 inverse frequency and angle, as both reference implementations compute them
      float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
      for (int pos = 0; pos < maxPositions; pos++) {
        float angle = pos * invFreq;
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        cos[pos * headDim + i] = c;
        cos[pos * headDim + i + half] = c;
        sin[pos * headDim + i] = s;
        sin[pos * headDim + i + half] = s;
      }
    }
    cosTable = manager.create(cos, new Shape(maxPositions, headDim));
    sinTable = manager.create(sin, new Shape(maxPositions, headDim));
  }

  /** Cos and sin for the given positions [B, T], shaped [B, 1, T, D] to broadcast over heads. */
  NDArray[] lookup(NDArray positionIds, NDManager scratch) {
    NDArray cos = positionIds.getNDArrayInternal().embedding(positionIds, cosTable, SparseFormat.DENSE).singletonOrThrow();
    NDArray sin = positionIds.getNDArrayInternal().embedding(positionIds, sinTable, SparseFormat.DENSE).singletonOrThrow();
    cos.attach(scratch);
    sin.attach(scratch);
    return new NDArray[] {cos.expandDims(1), sin.expandDims(1)};
  }

  /** Applies the rotation to x [B, H, T, D]. */
  static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
    long d = x.getShape().get(3);
    NDArray first = x.get("..., :" + d / 2);
    NDArray second = x.get("..., " + d / 2 + ":");
    NDArray rotated = second.neg().concat(first, -1);
    return x.mul(cos).add(rotated.mul(sin));
  }

  @Override
  public void close() {
    cosTable.close();
    sinTable.close();
  }
}
