package io.aligntune.train.dpo;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.compute.DpoGradientComputer;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.step.GradientAccumulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The single-process trainer's gradients: the whole global batch in this JVM. The distributed trainer
 * must produce the same sums (up to float rounding), which is what the tests compare it against.
 */
public final class LocalDpoGradients implements StepGradients {

  private final LlamaModel model;
  private final List<DpoExample> examples; // indexed by DpoExample.index()
  private final BatchPlan plan;
  private final int microBatch;
  private final DpoLossConfig loss;

  public LocalDpoGradients(LlamaModel model, List<DpoExample> examples, BatchPlan plan, int microBatch, DpoLossConfig loss) {
    for (int i = 0; i < examples.size(); i++) {
      if (examples.get(i).index() != i) {
        throw new IllegalArgumentException("examples must be ordered by index; position " + i + " holds index "
            + examples.get(i).index());
      }
    }
    this.model = model;
    this.examples = examples;
    this.plan = plan;
    this.microBatch = microBatch;
    this.loss = loss;
  }

  @Override
  public GradientAccumulator compute(long step, Map<String, HostTensor> weights) {
    model.setParameters(weights);
    List<DpoExample> batch = new ArrayList<>();
    for (int index : plan.examplesOf(step)) {
      batch.add(examples.get(index));
    }
    return DpoGradientComputer.compute(model, batch, microBatch, loss);
  }
}
