package io.aligntune.train.compute;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.LogProbs;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.loss.DpoLoss;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.loss.DpoLossOutput;
import io.aligntune.train.loss.DpoMetricSums;
import io.aligntune.train.loss.PairLogProbs;
import io.aligntune.train.step.GradientAccumulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One partition's share of a DPO step: its examples in micro-batches through the policy, the gradient of
 * the summed per-pair loss, and the metric sums, all added into a {@link GradientAccumulator}. A pure
 * function of (weights, examples): a Spark retry recomputes the same numbers.
 *
 * <p>Per micro-batch the chosen and rejected sequences go through one forward pass together. Dropout is
 * off (every DPO log-prob pass is deterministic, as TRL's default). The reference log-probs come with the
 * examples, precomputed once.
 */
public final class DpoGradientComputer {

  private DpoGradientComputer() {}

  /**
   * @param model the policy, its trainable parameters already set to this step's values
   * @param examples this partition's examples of the step, in batch order
   * @param microBatch pairs per forward/backward pass
   */
  public static GradientAccumulator compute(LlamaModel model, List<DpoExample> examples, int microBatch,
      DpoLossConfig loss) {
    if (microBatch <= 0) {
      throw new IllegalArgumentException("micro_batch_size must be positive, got " + microBatch);
    }
    return JvmGradientLock.run(() -> {
      GradientAccumulator accumulator = new GradientAccumulator();
      // libtorch sums gradients over the backward passes of all micro-batches; read once at the end
      model.resetGradients();
      for (int from = 0; from < examples.size(); from += microBatch) {
        List<DpoExample> micro = examples.subList(from, Math.min(examples.size(), from + microBatch));
        addMicroBatch(model, micro, loss, accumulator);
      }
      model.readGradients().forEach(accumulator::addGradient);
      return accumulator;
    });
  }

  private static void addMicroBatch(LlamaModel model, List<DpoExample> micro, DpoLossConfig loss,
      GradientAccumulator accumulator) {
    int pairs = micro.size();
    List<int[]> sequences = new ArrayList<>(2 * pairs);
    int[] scoredFrom = new int[2 * pairs];
    float[] refChosen = new float[pairs];
    float[] refRejected = new float[pairs];
    float[] chosenCounts = new float[pairs];
    float[] rejectedCounts = new float[pairs];
    long tokens = 0;
    for (int i = 0; i < pairs; i++) {
      DpoExample e = micro.get(i);
      sequences.add(e.chosen());
      scoredFrom[i] = e.promptLength();
      refChosen[i] = e.referenceChosen();
      refRejected[i] = e.referenceRejected();
      chosenCounts[i] = e.chosen().length - e.promptLength();
      rejectedCounts[i] = e.rejected().length - e.promptLength();
      tokens += e.totalTokens();
    }
    for (int i = 0; i < pairs; i++) {
      sequences.add(micro.get(i).rejected());
      scoredFrom[pairs + i] = micro.get(i).promptLength();
    }
    try (NDManager scratch = model.manager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      LogProbs.Result policy = LogProbs.sums(model, scratch, new LogProbs.Batch(sequences, scoredFrom), false);
      NDArray chosen = policy.sums().get("0:" + pairs);
      NDArray rejected = policy.sums().get(pairs + ":");
      PairLogProbs logProbs = PairLogProbs.ofSums(chosen, rejected, scratch.create(refChosen), scratch.create(refRejected))
          .withTokenCounts(scratch.create(chosenCounts), scratch.create(rejectedCounts));
      DpoLossOutput output = DpoLoss.compute(loss, logProbs);
      collector.backward(output.lossSum());
      accumulator.add(Map.of(), pairs, tokens, DpoMetricSums.of(logProbs, output));
    }
  }
}
