package io.aligntune.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Log-probabilities of completions under a model: for each sequence, the sum over completion positions t
 * of log p(ids[t] | ids[&lt;t]), computed with a float32 log-softmax. Sequences are right-padded into one
 * batch; padded positions are masked out of attention and of the sum, so a sequence's result does not
 * depend on its neighbours.
 */
public final class LogProbs {

  private LogProbs() {}

  /** A batch of token sequences with, per sequence, the first position that counts (the completion start). */
  public record Batch(List<int[]> sequences, int[] scoredFrom) {
    public Batch {
      if (sequences.size() != scoredFrom.length) {
        throw new IllegalArgumentException(sequences.size() + " sequences but " + scoredFrom.length + " start positions");
      }
      for (int i = 0; i < sequences.size(); i++) {
        if (scoredFrom[i] < 1 || scoredFrom[i] > sequences.get(i).length) {
          throw new IllegalArgumentException("sequence " + i + ": scored positions must start in [1, "
              + sequences.get(i).length + "], got " + scoredFrom[i]);
        }
      }
    }

    int maxLength() {
      int max = 0;
      for (int[] s : sequences) {
        max = Math.max(max, s.length);
      }
      return max;
    }
  }

  /**
   * Differentiable per-sequence sums [B] (float32) and the scored-token counts. The returned arrays belong
   * to {@code manager}; gradients flow to the model's trainable parameters when recorded.
   */
  public static Result sums(LlamaModel model, NDManager manager, Batch batch, boolean training) {
    int rows = batch.sequences().size();
    int cols = batch.maxLength();
    float[] mask = new float[rows * cols];
    float[] scored = new float[rows * (cols - 1)];
    long[] targets = new long[rows * (cols - 1)];
    int[] counts = new int[rows];
    for (int r = 0; r < rows; r++) {
      int[] seq = batch.sequences().get(r);
      for (int c = 0; c < cols; c++) {
        mask[r * cols + c] = c < seq.length ? 1f : 0f;
      }
      for (int t = 1; t < cols; t++) {
        // logits at position t-1 predict token t
        boolean counts_ = t < seq.length && t >= batch.scoredFrom()[r];
        scored[r * (cols - 1) + t - 1] = counts_ ? 1f : 0f;
        targets[r * (cols - 1) + t - 1] = t < seq.length ? seq[t] : 0;
        if (counts_) {
          counts[r]++;
        }
      }
    }
    try (NDManager scratch = manager.newSubManager()) {
      NDArray ids = LlamaModel.idsArray(scratch, batch.sequences(), cols, 0);
      NDArray attention = scratch.create(mask, new Shape(rows, cols));
      NDArray logits = model.forward(ids, attention, null, null, training);
      NDArray logp = logits.get(":, :-1, :").toType(DataType.FLOAT32, false).logSoftmax(-1);
      // gather and mul keep these for the backward pass, which may run after this scratch is closed: they
      // must own their memory (DJL's create() on CPU only wraps a Java buffer that dies with its array)
      NDArray target = scratch.create(targets, new Shape(rows, cols - 1, 1)).duplicate();
      NDArray weight = scratch.create(scored, new Shape(rows, cols - 1)).duplicate();
      NDArray picked = logp.gather(target, 2).reshape(rows, cols - 1);
      NDArray sums = picked.mul(weight).sum(new int[] {1});
      sums.attach(manager);
      return new Result(sums, counts);
    }
  }

  /** Per-sequence sums and counts. */
  public record Result(NDArray sums, int[] counts) {}

  /** Non-differentiable convenience: sums as a Java array, no gradient recorded, dropout off. */
  public static float[] score(LlamaModel model, Batch batch) {
    try (NDManager scratch = model.manager().newSubManager()) {
      return sums(model, scratch, batch, false).sums().toFloatArray();
    }
  }
}
