package io.aligntune.train.loop;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.train.step.GradientAccumulator;
import java.util.Map;

/**
 * Where a step's gradient sums come from: one process looping over the batch, or a Spark job whose
 * partitions each compute their share. The driver loop cannot tell them apart, which is what lets a test
 * require the two to agree.
 */
public interface StepGradients extends AutoCloseable {

  /**
   * The summed gradients, counts and metric sums of step {@code step}'s global batch, evaluated at
   * {@code weights}. Must be a pure function of its arguments: a retried Spark task recomputes it.
   */
  GradientAccumulator compute(long step, Map<String, HostTensor> weights);

  @Override
  default void close() {}
}
