package io.aligntune.spark.step;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.train.compute.JvmGradientLock;
import io.aligntune.train.data.BatchPlan;
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
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * One optimizer step's gradients as a Spark job, the body the DPO and SFT trainers share, read like MLlib's
 * GradientDescent: broadcast the trainable weights → each partition computes its share of the step's
 * global batch → {@code treeAggregate} of the accumulators → destroy the broadcast.
 *
 * <p><b>Placement.</b> Which examples form a step is decided by the {@link BatchPlan} alone, independent of
 * the partitioning, so any number of executors trains on the same batches. Left where they happen to lie,
 * a step's examples fall unevenly on the partitions (16 over 2 partitions split 12/4 as often as 8/8), and
 * the step waits for the fullest one. So once per epoch the examples are dealt to partitions by their
 * {@link BatchPlan#workerSlot worker slot} (one shuffle of token ids per epoch, cached): every step then
 * gives each partition ⌊B/P⌋ or ⌈B/P⌉ examples. One partition needs no dealing and keeps the input as is.
 *
 * <p><b>Retries.</b> A task is a pure function of (weights, step, partition contents): a retried or
 * speculative task recomputes the same sums, and the driver applies one update per merged result.
 *
 * @param <E> a tokenized training example
 */
public final class DistributedStep<E> {

  /** The example's index in the plan (its row number in the training set). */
  public interface ExampleIndex<E> extends Serializable {
    int of(E example);
  }

  /**
   * Gradient sums of one partition's share, given in batch order. Runs on an executor under
   * {@link JvmGradientLock} (one gradient computation per JVM, PLATFORM.md pitfall 1).
   */
  public interface ShareGradients<E> extends Serializable {
    GradientAccumulator compute(List<E> inBatchOrder, long step, Map<String, HostTensor> weights);
  }

  private final JavaSparkContext spark;
  private final JavaRDD<E> examples;
  private final BatchPlan plan;
  private final ExampleIndex<E> index;
  private final int aggregationDepth;
  private final InjectedTaskFailure failure;
  private JavaRDD<E> placed;
  private int placedEpoch = -1;

  /**
   * @param examples the training set; its partition count is the number of shares per step
   * @param aggregationDepth depth of treeAggregate (2 suits tens of executors)
   * @param failure test hook, null in real runs
   */
  public DistributedStep(JavaSparkContext spark, JavaRDD<E> examples, BatchPlan plan, ExampleIndex<E> index,
      int aggregationDepth, InjectedTaskFailure failure) {
    if (aggregationDepth < 1) {
      throw new IllegalArgumentException("aggregation depth must be >= 1, got " + aggregationDepth);
    }
    this.spark = spark;
    this.examples = examples;
    this.plan = plan;
    this.index = index;
    this.aggregationDepth = aggregationDepth;
    this.failure = failure;
  }

  /** Runs step {@code step}: the merged sums of every partition's share. */
  public GradientAccumulator compute(long step, Map<String, HostTensor> weights, String description,
      ShareGradients<E> gradients) {
    JavaRDD<E> shares = placedFor(plan.epochOf(step));
    Broadcast<LinkedHashMap<String, HostTensor>> broadcast = spark.broadcast(new LinkedHashMap<>(weights));
    BatchPlan p = plan;
    ExampleIndex<E> idx = index;
    InjectedTaskFailure f = failure;
    try {
      spark.setJobDescription(description);
      return shares
          .mapPartitions(part -> List.of(share(part, step, broadcast.value(), p, idx, f, gradients)).iterator())
          .treeAggregate(new GradientAccumulator(), GradientAccumulator::merge, GradientAccumulator::merge,
              aggregationDepth);
    } finally {
      broadcast.destroy();
    }
  }

  /** Drops the cached placement (call when training ends). */
  public void release() {
    if (placed != null && placed != examples) {
      placed.unpersist(false);
    }
    placed = null;
    placedEpoch = -1;
  }

  private JavaRDD<E> placedFor(int epoch) {
    if (epoch == placedEpoch) {
      return placed;
    }
    release();
    int workers = examples.getNumPartitions();
    if (workers == 1) {
      placed = examples;
    } else {
      BatchPlan p = plan;
      ExampleIndex<E> idx = index;
      placed = examples
          .mapToPair(e -> new Tuple2<>(p.workerSlot(epoch, idx.of(e), workers), e))
          .partitionBy(new WorkerSlotPartitioner(workers))
          .values()
          .persist(StorageLevel.MEMORY_ONLY());
      placed.setName("training examples placed for epoch " + epoch);
    }
    placedEpoch = epoch;
    return placed;
  }

  /** One partition's contribution: its examples of this step, sorted into batch order, through the model. */
  static <E> GradientAccumulator share(Iterator<E> partition, long step, Map<String, HostTensor> weights,
      BatchPlan plan, ExampleIndex<E> index, InjectedTaskFailure failure, ShareGradients<E> gradients) {
    List<E> mine = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    while (partition.hasNext()) {
      E e = partition.next();
      int position = plan.positionInStep(step, index.of(e));
      if (position >= 0) {
        mine.add(e);
        positions.add(position);
      }
    }
    TaskContext task = TaskContext.get();
    if (failure != null && task != null && task.attemptNumber() == 0 && failure.step() == step
        && failure.partition() == task.partitionId()) {
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
    List<E> inBatchOrder = new ArrayList<>(mine.size());
    for (int i : order) {
      inBatchOrder.add(mine.get(i));
    }
    return JvmGradientLock.run(() -> gradients.compute(inBatchOrder, step, weights));
  }
}
