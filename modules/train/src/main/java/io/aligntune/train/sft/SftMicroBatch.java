package io.aligntune.train.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.loss.SftLoss;
import io.aligntune.train.loss.SftLossOutput;
import java.util.List;

/**
 * One micro-batch through the model: rows right-padded to the longest, padding masked out of attention,
 * and the loss taken over the label mask shifted to line up with the logits (logits at t−1 score the token
 * at t). Padding never enters the loss because the mask, not the pad id, says what is supervised.
 *
 * <p>A micro-batch with a packed row goes through {@link LlamaModel#forwardPacked}: segment ids (0 on
 * padding) give each example its own block of the causal mask and its own rotary positions, and a label
 * whose position starts a new segment is never supervised. Unpacked micro-batches keep the plain forward.
 */
final class SftMicroBatch {

  /** Any valid id: padded positions are masked out of attention and of the loss. */
  private static final int PAD = 0;

  private SftMicroBatch() {}

  /**
   * The summed NLL of the micro-batch's supervised tokens, owned by {@code scratch}.
   *
   * @param training dropout on (a training pass) or off (evaluation)
   */
  static SftLossOutput loss(LlamaModel model, NDManager scratch, List<SftExampleRow> rows, boolean training) {
    int batch = rows.size();
    int cols = 0;
    for (SftExampleRow row : rows) {
      cols = Math.max(cols, row.length());
    }
    if (cols < 2) {
      throw new IllegalArgumentException("a micro-batch needs a row of at least 2 tokens to predict anything");
    }
    boolean packed = rows.stream().anyMatch(SftExampleRow::isPacked);
    long[] ids = new long[batch * cols];
    long[] segments = packed ? new long[batch * cols] : null;
    float[] attention = new float[batch * cols];
    long[] labels = new long[batch * (cols - 1)];
    boolean[] labelMask = new boolean[batch * (cols - 1)];
    for (int r = 0; r < batch; r++) {
      SftExampleRow row = rows.get(r);
      for (int c = 0; c < cols; c++) {
        boolean real = c < row.length();
        ids[r * cols + c] = real ? row.idAt(c) : PAD;
        attention[r * cols + c] = real ? 1f : 0f;
        if (packed) {
          segments[r * cols + c] = real ? row.segmentAt(c) : 0;
        }
        if (c > 0) {
          labels[r * (cols - 1) + c - 1] = real ? row.idAt(c) : PAD;
          // the first token of a segment is not predicted from the previous example's last token
          boolean sameExample = !packed || !real || row.segmentAt(c) == row.segmentAt(c - 1);
          labelMask[r * (cols - 1) + c - 1] = real && row.supervisedAt(c) && sameExample;
        }
      }
    }
    Shape shape = new Shape(batch, cols);
    NDArray logits = packed
        ? model.forwardPacked(scratch.create(ids, shape), scratch.create(segments, shape),
            scratch.create(LlamaModel.segmentPositions(segments, cols), shape), training)
        : model.forward(scratch.create(ids, shape), scratch.create(attention, shape), null, null, training);
    return SftLoss.fromLogits(logits.get(":, :-1, :"), scratch.create(labels, new Shape(batch, cols - 1)),
        scratch.create(labelMask, new Shape(batch, cols - 1)));
  }
}
