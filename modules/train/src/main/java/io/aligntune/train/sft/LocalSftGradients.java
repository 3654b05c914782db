package io.aligntune.train.sft;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.step.GradientAccumulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The single-process SFT trainer's gradients: the whole global batch in this JVM. The Spark trainer must
 * produce the same sums (up to float rounding, with dropout 0), which is what the tests compare it against.
 * Dropout rates are the model's own ({@link LlamaModel#setDropout}).
 */
public final class LocalSftGradients implements StepGradients {

  private final LlamaModel model;
  private final List<SftExampleRow> examples; // indexed by SftExampleRow.index()
  private final BatchPlan plan;
  private final int microBatch;
  private final long seed;

  /**
   * @param examples the training set, ordered by index
   * @param plan which examples make up each step
   * @param microBatch examples per forward/backward pass
   * @param seed the run seed; with the step it seeds dropout
   */
  public LocalSftGradients(LlamaModel model, List<SftExampleRow> examples, BatchPlan plan, int microBatch, long seed) {
    for (int i = 0; i < examples.size(); i++) {
      if (examples.get(i).index() != i) {
        throw new IllegalArgumentException("examples must be ordered by index; position " + i + " holds index "
            + examples.get(i).index());
      }
    }
    if (examples.size() != plan.datasetSize()) {
      throw new IllegalArgumentException("the batch plan covers " + plan.datasetSize() + " examples but "
          + examples.size() + " were given");
    }
    this.model = model;
    this.examples = examples;
    this.plan = plan;
    this.microBatch = microBatch;
    this.seed = seed;
  }

  @Override
  public GradientAccumulator compute(long step, Map<String, HostTensor> weights) {
    model.setParameters(weights);
    List<SftExampleRow> batch = new ArrayList<>();
    for (int index : plan.examplesOf(step)) {
      batch.add(examples.get(index));
    }
    GradientAccumulator sums =
        SftGradientComputer.compute(model, batch, microBatch, SftGradientComputer.stepSeed(seed, step));
    return requireTokens(sums, step, batch.size());
  }

  /**
   * Refuses a step with no supervised token, naming the cause, before the driver loop would divide by 0.
   */
  static GradientAccumulator requireTokens(GradientAccumulator sums, long step, int batchSize) {
    if (sums.tokenCount() == 0) {
      throw new IllegalStateException("SFT step " + step + ": none of the " + batchSize + " examples of the batch"
          + " has a supervised token (every completion was truncated away or masked), so the step has no loss;"
          + " reject such examples at tokenization");
    }
    return sums;
  }
}
