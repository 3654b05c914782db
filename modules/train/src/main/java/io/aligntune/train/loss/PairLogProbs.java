package io.aligntune.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Per-pair completion log-probabilities, the input of every DPO-family loss. Each array has shape [B], one
 * entry per preference pair: the sum over the completion's tokens of log p(token | prefix), prompt tokens
 * excluded. The reference values come precomputed from the stored data (DESIGN.md), so they carry no
 * gradient; the policy values do.
 *
 * <p>The token counts are needed only when a loss averages log-probs per token (IPO as its paper runs it);
 * they may be {@code null} otherwise. The record does not own the arrays: the caller's manager does.
 *
 * @param policyChosen log π(chosen | prompt), summed over the chosen completion's tokens
 * @param policyRejected log π(rejected | prompt)
 * @param referenceChosen log π_ref(chosen | prompt)
 * @param referenceRejected log π_ref(rejected | prompt)
 * @param chosenTokenCounts number of completion tokens of each chosen answer, or {@code null}
 * @param rejectedTokenCounts number of completion tokens of each rejected answer, or {@code null}
 */
public record PairLogProbs(
    NDArray policyChosen,
    NDArray policyRejected,
    NDArray referenceChosen,
    NDArray referenceRejected,
    NDArray chosenTokenCounts,
    NDArray rejectedTokenCounts) {

  public PairLogProbs {
    requireVector("policyChosen", policyChosen);
    Shape shape = policyChosen.getShape();
    requireSameShape("policyRejected", policyRejected, shape);
    requireSameShape("referenceChosen", referenceChosen, shape);
    requireSameShape("referenceRejected", referenceRejected, shape);
    if ((chosenTokenCounts == null) != (rejectedTokenCounts == null)) {
      throw new IllegalArgumentException(
          "chosenTokenCounts and rejectedTokenCounts must be given together or not at all");
    }
    if (chosenTokenCounts != null) {
      requireSameShape("chosenTokenCounts", chosenTokenCounts, shape);
      requireSameShape("rejectedTokenCounts", rejectedTokenCounts, shape);
    }
  }

  /** Summed log-probs only; enough for every loss except IPO with per-token averaging. */
  public static PairLogProbs ofSums(
      NDArray policyChosen, NDArray policyRejected, NDArray referenceChosen, NDArray referenceRejected) {
    return new PairLogProbs(
        policyChosen, policyRejected, referenceChosen, referenceRejected, null, null);
  }

  /** The same log-probs with completion token counts attached. */
  public PairLogProbs withTokenCounts(NDArray chosenCounts, NDArray rejectedCounts) {
    return new PairLogProbs(
        policyChosen, policyRejected, referenceChosen, referenceRejected, chosenCounts, rejectedCounts);
  }

  /** Number of pairs B. */
  public long pairCount() {
    return policyChosen.getShape().get(0);
  }

  public boolean hasTokenCounts() {
    return chosenTokenCounts != null;
  }

  private static void requireVector(String name, NDArray array) {
    if (array == null) {
      throw new IllegalArgumentException(name + " is required");
    }
    if (array.getShape().dimension() != 1) {
      throw new IllegalArgumentException(
          name + " must have shape [B] (one value per pair), got " + array.getShape());
    }
  }

  private static void requireSameShape(String name, NDArray array, Shape expected) {
    requireVector(name, array);
    if (!array.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          name + " has shape " + array.getShape() + " but policyChosen has " + expected);
    }
  }
}
