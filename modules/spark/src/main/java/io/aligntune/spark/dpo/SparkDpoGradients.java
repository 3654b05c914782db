package io.aligntune.spark.dpo;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.train.compute.DpoGradientComputer;
import io.aligntune.train.compute.JvmGradientLock;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.step.GradientAccumulator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A DPO step's gradients from a Spark job, read like MLlib's GradientDescent: broadcast the trainable
 * weights → each partition computes its share of the step's global batch in micro-batches →
 * {@code treeAggregate} of the accumulators → destroy the broadcast. Each task is a pure function of
 * (weights, step, partition), so a retried or speculative task recomputes the same sums and nothing is
 * applied twice: the driver applies one update per merged result.
 */
public final class SparkDpoGradients implements StepGradients {

  /** Test hook: fail the first attempt of one partition's task at one step (Spark then retries it). */
  public record InjectedFailure(long step, int partition) implements Serializable {}

  private final JavaSparkContext spark;
  private final JavaRDD<DpoExample> examples;
  private final Settings settings;

  /**
   * @param microBatch pairs per forward/backward on an executor
   * @param aggregationDepth depth of treeAggregate (2 suits tens of executors)
   */
  public record Settings(ModelSource model, BatchPlan plan, int microBatch, DpoLossConfig loss, int aggregationDepth,
      InjectedFailure failure) implements Serializable {}

  /** @param examples tokenized pairs with reference log-probs; cached by the caller */
  public SparkDpoGradients(JavaSparkContext spark, JavaRDD<DpoExample> examples, Settings settings) {
    this.spark = spark;
    this.examples = examples;
    this.settings = settings;
  }

  @Override
  public GradientAccumulator compute(long step, Map<String, HostTensor> weights) {
    Broadcast<LinkedHashMap<String, HostTensor>> broadcast = spark.broadcast(new LinkedHashMap<>(weights));
    Settings s = settings;
    try {
      spark.setJobDescription("DPO step " + step);
      return examples
          .mapPartitions(part -> List.of(partitionShare(part, step, broadcast.value(), s)).iterator())
          .treeAggregate(new GradientAccumulator(), GradientAccumulator::merge, GradientAccumulator::merge,
              s.aggregationDepth());
    } finally {
      broadcast.destroy();
    }
  }

  /** One partition's contribution: its examples of this step, in batch order, through the policy. */
  static GradientAccumulator partitionShare(Iterator<DpoExample> partition, long step,
      Map<String, HostTensor> weights, Settings s) {
    List<DpoExample> mine = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    while (partition.hasNext()) {
      DpoExample e = partition.next();
      int position = s.plan().positionInStep(step, e.index());
      if (position >= 0) {
        mine.add(e);
        positions.add(position);
      }
    }
    TaskContext task = TaskContext.get();
    if (s.failure() != null && task != null && task.attemptNumber() == 0 && s.failure().step() == step
        && s.failure().partition() == task.partitionId()) {
      throw new IllegalStateException("injected failure: step " + step + ", partition " + task.partitionId());
    }
    if (mine.isEmpty()) {
      return new GradientAccumulator();
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < mine.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(positions::get));
    List<DpoExample> inBatchOrder = new ArrayList<>();
    for (int i : order) {
      inBatchOrder.add(mine.get(i));
    }
    return JvmGradientLock.run(() -> {
      LlamaModel model = ExecutorModels.get(s.model());
      model.setParameters(weights);
      return DpoGradientComputer.compute(model, inBatchOrder, s.microBatch(), s.loss());
    });
  }
}
