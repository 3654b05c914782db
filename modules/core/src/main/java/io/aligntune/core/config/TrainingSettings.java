package io.aligntune.core.config;

import java.util.List;

/**
 * The optimisation settings shared by DPO and SFT.
 *
 * @param maxSteps optimizer updates in the run
 * @param globalBatchSize examples (pairs for DPO) per update, over all partitions
 * @param microBatchSize examples per forward/backward pass on an executor (memory knob only: results do
 *     not depend on it)
 * @param learningRate peak learning rate
 * @param lrScheduler constant, cosine or linear
 * @param warmupSteps linear warmup steps
 * @param minLrRatio final rate as a fraction of the peak (cosine/linear)
 * @param weightDecay AdamW decoupled weight decay
 * @param maxGradNorm clip the global gradient norm to this (0 = no clipping)
 * @param checkpointEvery checkpoint every N steps (and after the last)
 * @param partitions Spark partitions of the training data (≈ executors × 1)
 */
public record TrainingSettings(long maxSteps, int globalBatchSize, int microBatchSize, double learningRate,
    String lrScheduler, long warmupSteps, double minLrRatio, double weightDecay, double maxGradNorm,
    long checkpointEvery, int partitions) {

  static TrainingSettings from(ConfigNode n, long defaultSteps, double defaultLr) {
    TrainingSettings s = new TrainingSettings(n.integer("max_steps", defaultSteps, 1, 100_000_000),
        (int) n.integer("global_batch_size", 16, 1, 1_000_000), (int) n.integer("micro_batch_size", 4, 1, 100_000),
        n.number("learning_rate", defaultLr, 0, 10), n.choice("lr_scheduler", "cosine", List.of("constant", "cosine", "linear")),
        n.integer("warmup_steps", 0, 0, 100_000_000), n.number("min_lr_ratio", 0.1, 0, 1),
        n.number("weight_decay", 0.0, 0, 10), n.number("max_grad_norm", 1.0, 0, 1e9),
        n.integer("checkpoint_every", 50, 1, 100_000_000), (int) n.integer("partitions", 2, 1, 100_000));
    if (s.microBatchSize > s.globalBatchSize) {
      throw n.error(n.path("micro_batch_size"), "(" + s.microBatchSize + ") must not exceed global_batch_size (" + s.globalBatchSize + ")");
    }
    if (s.warmupSteps >= s.maxSteps && s.warmupSteps > 0) {
      throw n.error(n.path("warmup_steps"), "(" + s.warmupSteps + ") must be smaller than max_steps (" + s.maxSteps + ")");
    }
    n.rejectUnknown(); // a misspelt training key must not silently fall back to its default
    return s;
  }
}
