package io.aligntune.train.sft;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import java.util.List;
import java.util.Map;

/** Held-out loss in this process, on the same model instance the single-process trainer uses. */
public final class LocalEvalLoss implements EvalLoss {

  private final LlamaModel model;
  private final List<SftExampleRow> examples;
  private final int microBatch;

  public LocalEvalLoss(LlamaModel model, List<SftExampleRow> examples, int microBatch) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("the evaluation set is empty");
    }
    this.model = model;
    this.examples = List.copyOf(examples);
    this.microBatch = microBatch;
  }

  @Override
  public TokenNll evaluate(Map<String, HostTensor> weights) {
    model.setParameters(weights);
    return SftEvalComputer.compute(model, examples, microBatch);
  }
}
