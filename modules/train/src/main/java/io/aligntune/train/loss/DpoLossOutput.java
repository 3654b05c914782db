package io.aligntune.train.loss;

import ai.djl.ndarray.NDArray;

/**
 * What a DPO-family loss returns for a batch of B pairs. All arrays have shape [B], float32, and belong to
 * the manager of the policy's chosen log-probs; the caller closes them with that manager.
 *
 * <p>The loss is deliberately per pair and not averaged: a partition sums it, and the driver divides the
 * global sum by the global pair count, so that uneven partitions and micro-batches weigh each pair equally.
 *
 * @param perPairLoss the loss of each pair; differentiable with respect to the policy log-probs
 * @param chosenRewards implicit reward β·(log π(chosen) − log π_ref(chosen)), detached (metrics only)
 * @param rejectedRewards implicit reward β·(log π(rejected) − log π_ref(rejected)), detached
 */
public record DpoLossOutput(NDArray perPairLoss, NDArray chosenRewards, NDArray rejectedRewards) {

  /** The sum of the per-pair losses, the scalar to differentiate on a partition. */
  public NDArray lossSum() {
    return perPairLoss.sum();
  }
}
