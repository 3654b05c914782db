package io.aligntune.train.loop;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.train.optim.AdamW;
import java.util.Map;

/**
 * The driver's mutable training state: trainable weights, the optimizer (with its moments), and the number
 * of updates applied so far. Everything needed to resume lives here or is a pure function of the step.
 */
public final class TrainingState {

  private final Map<String, HostTensor> weights;
  private final AdamW optimizer;
  private long completedSteps;

  public TrainingState(Map<String, HostTensor> weights, AdamW optimizer, long completedSteps) {
    this.weights = weights;
    this.optimizer = optimizer;
    this.completedSteps = completedSteps;
  }

  public Map<String, HostTensor> weights() {
    return weights;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  /** Updates applied so far; the next step to run has this index. */
  public long completedSteps() {
    return completedSteps;
  }

  void advance() {
    completedSteps++;
  }
}
