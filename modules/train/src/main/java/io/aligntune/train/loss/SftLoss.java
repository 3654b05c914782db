package io.aligntune.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Token-level cross-entropy for supervised fine-tuning, as a sum over supervised tokens:
 *
 * <pre>
 *   nllSum = Σ_{b,t : mask[b,t] ≠ 0} −log softmax(logits[b,t,:])[labels[b,t]]
 * </pre>
 *
 * This is the maximum-likelihood objective of causal language modelling, restricted by the mask to the
 * tokens that are trained on (typically completion tokens, not the prompt or padding). Positions are
 * already aligned: {@code logits[b,t]} scores {@code labels[b,t]}, i.e. the caller has shifted the labels
 * left by one relative to the input ids. Labels at unsupervised positions are ignored and may hold any value
 * (Hugging Face's −100 included).
 *
 * <p>The log-softmax runs in float32 even when the logits are half precision: in float16 the normaliser
 * log Σ e^z loses the small differences between logits that decide the loss.
 */
public final class SftLoss {

  private SftLoss() {}

  /**
   * The loss from raw logits.
   *
   * @param logits [B, T, V], any floating type
   * @param labels [B, T], integer token ids in [0, V) wherever the mask is set
   * @param labelMask [B, T], non-zero (or {@code true}) where the token is supervised
   */
  public static SftLossOutput fromLogits(NDArray logits, NDArray labels, NDArray labelMask) {
    checkShapes(logits, labels, labelMask);
    NDManager owner = logits.getManager();
    try (NDManager scratch = ScratchScope.open(owner, logits, labels, labelMask)) {
      NDArray logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
      return supervisedNll(logProbs, labels, labelMask, owner);
    }
  }

  /**
   * The loss from log-probabilities that are already normalised over the vocabulary (the output of a
   * log-softmax), e.g. when the model's forward pass produced them for other uses too.
   *
   * @param logProbs [B, T, V]
   * @param labels [B, T]
   * @param labelMask [B, T]
   */
  public static SftLossOutput fromLogProbs(NDArray logProbs, NDArray labels, NDArray labelMask) {
    checkShapes(logProbs, labels, labelMask);
    NDManager owner = logProbs.getManager();
    try (NDManager scratch = ScratchScope.open(owner, logProbs, labels, labelMask)) {
      return supervisedNll(logProbs.toType(DataType.FLOAT32, false), labels, labelMask, owner);
    }
  }

  private static SftLossOutput supervisedNll(
      NDArray logProbs, NDArray labels, NDArray labelMask, NDManager owner) {
    long vocabularySize = logProbs.getShape().get(2);
    NDArray supervised = labelMask.toType(DataType.BOOLEAN, false);
    // Unsupervised positions may carry −100 or padding ids; gather needs a valid index everywhere.
    NDArray labelIds = labels.toType(DataType.INT64, false);
    NDArray safeIds = NDArrays.where(supervised, labelIds, labelIds.zerosLike());
    long supervisedTokens = supervised.toType(DataType.INT64, false).sum().getLong();
    if (supervisedTokens > 0) {
      long smallest = safeIds.min().getLong();
      long largest = safeIds.max().getLong();
      if (smallest < 0 || largest >= vocabularySize) {
        throw new IllegalArgumentException(
            "a supervised label lies outside the vocabulary [0, " + vocabularySize + "): found ids from "
                + smallest + " to " + largest);
      }
    }
    NDArray tokenLogProbs = logProbs.gather(safeIds.expandDims(2), 2).squeeze(2);
    // where, not a multiply by the mask: a −∞ log-prob at an ignored position times 0 would be NaN.
    NDArray supervisedLogProbs = NDArrays.where(supervised, tokenLogProbs, tokenLogProbs.zerosLike());
    NDArray nllSum = supervisedLogProbs.neg().sum();
    nllSum.attach(owner);
    return new SftLossOutput(nllSum, supervisedTokens);
  }

  private static void checkShapes(NDArray scores, NDArray labels, NDArray labelMask) {
    Shape shape = scores.getShape();
    if (shape.dimension() != 3) {
      throw new IllegalArgumentException("logits must have shape [B, T, V], got " + shape);
    }
    Shape tokens = new Shape(shape.get(0), shape.get(1));
    if (!labels.getShape().equals(tokens)) {
      throw new IllegalArgumentException(
          "labels must have shape " + tokens + " to match logits " + shape + ", got " + labels.getShape());
    }
    if (!labelMask.getShape().equals(tokens)) {
      throw new IllegalArgumentException(
          "labelMask must have shape " + tokens + " to match logits " + shape + ", got "
              + labelMask.getShape());
    }
    if (!labels.getDataType().isInteger()) {
      throw new IllegalArgumentException("labels must be integer token ids, got " + labels.getDataType());
    }
  }
}
