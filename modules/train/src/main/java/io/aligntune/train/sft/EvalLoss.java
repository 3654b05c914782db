package io.aligntune.train.sft;

import io.aligntune.core.tensor.HostTensor;
import java.util.Map;

/**
 * Where a held-out loss comes from: this process, or a Spark job over a cached evaluation set. Like
 * {@code StepGradients} for training, the caller cannot tell the two apart.
 */
@FunctionalInterface
public interface EvalLoss {

  /** The summed token NLL of the evaluation set at {@code weights} (dropout off, no gradient). */
  TokenNll evaluate(Map<String, HostTensor> weights);
}
