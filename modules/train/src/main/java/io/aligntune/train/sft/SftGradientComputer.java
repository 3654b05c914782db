package io.aligntune.train.sft;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.compute.JvmGradientLock;
import io.aligntune.train.loss.SftLoss;
import io.aligntune.train.loss.SftLossOutput;
import io.aligntune.train.step.GradientAccumulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One partition's share of an SFT step: its examples in micro-batches through the model with dropout on,
 * the gradient of the summed token NLL ({@link SftLoss}), the supervised-token count and the NLL sum, all
 * added into a {@link GradientAccumulator}. The driver divides by the global token count, so 2 tokens at
 * loss 1.0 and 8 at 0.5 report 0.6, whichever micro-batch or partition each came from.
 *
 * <p>A pure function of (weights, examples, step seed): each micro-batch seeds the engine's generator from
 * the step seed and the index of its first example before its forward pass, so a Spark retry draws the
 * same dropout masks and recomputes identical numbers. With dropout above 0 the masks depend on how the
 * examples were grouped into micro-batches (one seed per batched forward pass), so gradients equal across
 * different groupings only with dropout 0.
 *
 * <p>Examples with no supervised token contribute nothing (no tokens, no loss, no forward pass). If a
 * whole step has none, the global token count is 0 and the driver refuses the step.
 */
public final class SftGradientComputer {

  private SftGradientComputer() {}

  /**
   * @param model the model, its trainable parameters already set to this step's values and its dropout
   *     rates configured
   * @param examples this partition's examples of the step, in batch order
   * @param microBatch examples per forward/backward pass
   * @param stepSeed {@link #stepSeed(long, long)} of the run seed and the step
   */
  public static GradientAccumulator compute(LlamaModel model, List<SftExampleRow> examples, int microBatch,
      long stepSeed) {
    if (microBatch <= 0) {
      throw new IllegalArgumentException("micro_batch_size must be positive, got " + microBatch);
    }
    List<SftExampleRow> trained = withSupervisedTokens(examples);
    return JvmGradientLock.run(() -> {
      GradientAccumulator accumulator = new GradientAccumulator();
      if (trained.isEmpty()) {
        return accumulator; // the identity of merge: this partition adds nothing to the step
      }
      // libtorch sums gradients over the backward passes of all micro-batches; read once at the end
      model.resetGradients();
      for (int from = 0; from < trained.size(); from += microBatch) {
        List<SftExampleRow> micro = trained.subList(from, Math.min(trained.size(), from + microBatch));
        addMicroBatch(model, micro, microBatchSeed(stepSeed, micro.get(0).index()), accumulator);
      }
      model.readGradients().forEach(accumulator::addGradient);
      return accumulator;
    });
  }

  /** The dropout seed of one step of a run: what every partition of that step derives its masks from. */
  public static long stepSeed(long runSeed, long step) {
    return mix(mix(runSeed) ^ step);
  }

  /** The dropout seed of the micro-batch whose first example is {@code firstIndex}. */
  static long microBatchSeed(long stepSeed, int firstIndex) {
    return mix(stepSeed + 0x9E3779B97F4A7C15L * (firstIndex + 1L));
  }

  private static void addMicroBatch(LlamaModel model, List<SftExampleRow> micro, long seed,
      GradientAccumulator accumulator) {
    // Engine.setRandomSeed takes an int; 32 bits of a well-mixed seed are plenty for dropout masks.
    Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    try (NDManager scratch = model.manager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      SftLossOutput loss = SftMicroBatch.loss(model, scratch, micro, true);
      collector.backward(loss.nllSum());
      double nll = loss.nllSum().getFloat();
      if (!Double.isFinite(nll)) {
        throw new IllegalStateException("micro-batch starting at example " + micro.get(0).index()
            + " has a non-finite NLL sum " + nll + "; refusing to add it to the step");
      }
      accumulator.add(Map.of(), 0, loss.supervisedTokenCount(), Map.of(SftLossOutput.LOSS_SUM_KEY, nll));
    }
  }

  static List<SftExampleRow> withSupervisedTokens(List<SftExampleRow> examples) {
    List<SftExampleRow> kept = new ArrayList<>(examples.size());
    for (SftExampleRow e : examples) {
      if (e.supervisedCount() > 0) {
        kept.add(e);
      }
    }
    return kept;
  }

  /** SplitMix64's finaliser: nearby inputs (consecutive steps, indices) give unrelated seeds. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
