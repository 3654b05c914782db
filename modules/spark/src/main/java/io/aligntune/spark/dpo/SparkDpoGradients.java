package io.aligntune.spark.dpo;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.step.DistributedStep;
import io.aligntune.spark.step.InjectedTaskFailure;
import io.aligntune.train.compute.DpoGradientComputer;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.step.GradientAccumulator;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A DPO step's gradients from a Spark job ({@link DistributedStep}): each partition runs the policy over its
 * share of the step's pairs in micro-batches, against the reference log-probs stored with the pairs.
 */
public final class SparkDpoGradients implements StepGradients {

  /**
   * @param microBatch pairs per forward/backward on an executor
   * @param aggregationDepth depth of treeAggregate (2 suits tens of executors)
   * @param failure test hook; null in real runs
   */
  public record Settings(ModelSource model, BatchPlan plan, int microBatch, DpoLossConfig loss, int aggregationDepth,
      InjectedTaskFailure failure) implements Serializable {
    public Settings {
      if (microBatch <= 0) {
        throw new IllegalArgumentException("micro_batch_size must be positive, got " + microBatch);
      }
    }
  }

  private final DistributedStep<DpoExample> step;
  private final Settings settings;

  /** @param examples tokenized pairs with reference log-probs; one share per partition */
  public SparkDpoGradients(JavaSparkContext spark, JavaRDD<DpoExample> examples, Settings settings) {
    this.step = new DistributedStep<>(spark, examples, settings.plan(), DpoExample::index,
        settings.aggregationDepth(), settings.failure());
    this.settings = settings;
  }

  @Override
  public GradientAccumulator compute(long step, Map<String, HostTensor> weights) {
    Settings s = settings;
    return this.step.compute(step, weights, "DPO step " + step, (batch, st, w) -> share(batch, w, s));
  }

  /** Drops the cached placement of the examples. */
  public void release() {
    step.release();
  }

  private static GradientAccumulator share(List<DpoExample> inBatchOrder, Map<String, HostTensor> weights,
      Settings s) {
    LlamaModel model = ExecutorModels.withWeights(s.model(), weights);
    return DpoGradientComputer.compute(model, inBatchOrder, s.microBatch(), s.loss());
  }
}
