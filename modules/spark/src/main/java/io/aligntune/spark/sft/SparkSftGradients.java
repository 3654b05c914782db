package io.aligntune.spark.sft;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.train.compute.JvmGradientLock;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.sft.SftExampleRow;
import io.aligntune.train.sft.SftGradientComputer;
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
 * An SFT step's gradients from a Spark job, read like MLlib's GradientDescent: broadcast the trainable
 * weights → each partition computes its share of the step's global batch in micro-batches (summed token
 * NLL, supervised-token count) → {@code treeAggregate} of the accumulators → destroy the broadcast. The
 * driver divides by the global token count ({@code AverageOver.TOKENS}).
 *
 * <p>Each task is a pure function of (weights, step, partition): dropout is seeded from (run seed, step,
 * first example of each micro-batch), so a retried or speculative task recomputes the same sums and the
 * driver applies one update per merged result.
 */
public final class SparkSftGradients implements StepGradients {

  /** Test hook: fail the first attempt of one partition's task at one step (Spark then retries it). */
  public record InjectedFailure(long step, int partition) implements Serializable {}

  /**
   * @param model the base model and adapters every executor builds (loaded once per executor JVM)
   * @param plan which examples make up each step
   * @param microBatch examples per forward/backward on an executor
   * @param seed the run seed; with the step it seeds dropout
   * @param attentionDropout dropout on attention probabilities during training, in [0, 1)
   * @param residualDropout dropout on the residual branches during training, in [0, 1)
   * @param aggregationDepth depth of treeAggregate (2 suits tens of executors)
   * @param failure test hook; null in real runs
   */
  public record Settings(ModelSource model, BatchPlan plan, int microBatch, long seed, double attentionDropout,
      double residualDropout, int aggregationDepth, InjectedFailure failure) implements Serializable {
    public Settings {
      if (microBatch <= 0) {
        throw new IllegalArgumentException("micro_batch_size must be positive, got " + microBatch);
      }
      if (!(attentionDropout >= 0 && attentionDropout < 1) || !(residualDropout >= 0 && residualDropout < 1)) {
        throw new IllegalArgumentException("dropout rates must be in [0, 1), got attention_dropout="
            + attentionDropout + ", residual_dropout=" + residualDropout);
      }
      if (aggregationDepth < 1) {
        throw new IllegalArgumentException("aggregation depth must be >= 1, got " + aggregationDepth);
      }
    }
  }

  private final JavaSparkContext spark;
  private final JavaRDD<SftExampleRow> examples;
  private final Settings settings;

  /** @param examples the tokenized training set; cached by the caller */
  public SparkSftGradients(JavaSparkContext spark, JavaRDD<SftExampleRow> examples, Settings settings) {
    this.spark = spark;
    this.examples = examples;
    this.settings = settings;
  }

  @Override
  public GradientAccumulator compute(long step, Map<String, HostTensor> weights) {
    Broadcast<LinkedHashMap<String, HostTensor>> broadcast = spark.broadcast(new LinkedHashMap<>(weights));
    Settings s = settings;
    try {
      spark.setJobDescription("SFT step " + step);
      GradientAccumulator sums = examples
          .mapPartitions(part -> List.of(partitionShare(part, step, broadcast.value(), s)).iterator())
          .treeAggregate(new GradientAccumulator(), GradientAccumulator::merge, GradientAccumulator::merge,
              s.aggregationDepth());
      if (sums.tokenCount() == 0) {
        throw new IllegalStateException("SFT step " + step + ": none of the " + s.plan().examplesOf(step).length
            + " examples of the batch has a supervised token (every completion was truncated away or masked),"
            + " so the step has no loss; reject such examples at tokenization");
      }
      return sums;
    } finally {
      broadcast.destroy();
    }
  }

  /** One partition's contribution: its examples of this step, in batch order, through the model. */
  static GradientAccumulator partitionShare(Iterator<SftExampleRow> partition, long step,
      Map<String, HostTensor> weights, Settings s) {
    List<SftExampleRow> mine = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    while (partition.hasNext()) {
      SftExampleRow e = partition.next();
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
    List<SftExampleRow> inBatchOrder = new ArrayList<>();
    for (int i : order) {
      inBatchOrder.add(mine.get(i));
    }
    return JvmGradientLock.run(() -> {
      LlamaModel model = ExecutorModels.get(s.model());
      // the executor's model is shared by every phase's tasks: set this job's rates each time
      model.setDropout(s.attentionDropout(), s.residualDropout());
      model.setParameters(weights);
      return SftGradientComputer.compute(model, inBatchOrder, s.microBatch(),
          SftGradientComputer.stepSeed(s.seed(), step));
    });
  }
}
