package io.aligntune.train.data;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Which examples make up the global batch of each optimizer step: a pure function of (seed, step), so a
 * Spark task, its retry, a resumed run and the single-process trainer all pick the same examples, however
 * the data is partitioned.
 *
 * <p>Each epoch visits every example once, in an order shuffled by (seed, epoch). Step s belongs to epoch
 * s / stepsPerEpoch and takes the next {@code globalBatch} positions of that epoch's order; the last step
 * of an epoch takes what is left (it is smaller when the dataset size is not a multiple of the batch; the
 * driver divides by the true pair count, so no example weighs more than another).
 */
public final class BatchPlan implements Serializable {

  private final long datasetSize;
  private final int globalBatch;
  private final long seed;
  private transient int cachedEpoch = -1;
  private transient int[] cachedPositionOf; // example index → position in the cached epoch's order

  public BatchPlan(long datasetSize, int globalBatch, long seed) {
    if (datasetSize <= 0) {
      throw new IllegalArgumentException("the training set is empty: nothing to plan batches over");
    }
    if (datasetSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("datasets over 2^31 examples are not supported, got " + datasetSize);
    }
    if (globalBatch <= 0) {
      throw new IllegalArgumentException("global batch size must be positive, got " + globalBatch);
    }
    this.datasetSize = datasetSize;
    this.globalBatch = globalBatch;
    this.seed = seed;
  }

  public long datasetSize() {
    return datasetSize;
  }

  public int globalBatch() {
    return globalBatch;
  }

  public int stepsPerEpoch() {
    return (int) ((datasetSize + globalBatch - 1) / globalBatch);
  }

  public int epochOf(long step) {
    return (int) (step / stepsPerEpoch());
  }

  /** The shuffled order of example indices for an epoch (a seeded Fisher–Yates shuffle). */
  public int[] epochOrder(int epoch) {
    int n = (int) datasetSize;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** The example indices of step {@code step}, in batch order. */
  public int[] examplesOf(long step) {
    int epoch = epochOf(step);
    int within = (int) (step % stepsPerEpoch());
    int[] order = epochOrder(epoch);
    int from = within * globalBatch;
    int to = (int) Math.min(datasetSize, (long) from + globalBatch);
    return java.util.Arrays.copyOfRange(order, from, to);
  }

  /**
   * Position of example {@code index} within step {@code step}'s batch, or -1 when the example is not in
   * it. Lets each partition select its own share without materialising the whole batch list per example.
   */
  public int positionInStep(long step, int index) {
    int within = (int) (step % stepsPerEpoch());
    int position = positionInEpoch(epochOf(step), index) - within * globalBatch;
    return position >= 0 && position < globalBatch ? position : -1;
  }

  /** Position of example {@code index} in epoch {@code epoch}'s shuffled order (0 = first of its first step). */
  public synchronized int positionInEpoch(int epoch, int index) {
    if (cachedPositionOf == null || epoch != cachedEpoch) { // transient fields arrive empty after deserialisation
      int[] order = epochOrder(epoch);
      cachedPositionOf = new int[order.length];
      for (int p = 0; p < order.length; p++) {
        cachedPositionOf[order[p]] = p;
      }
      cachedEpoch = epoch;
    }
    return cachedPositionOf[index];
  }

  /**
   * The worker slot an example takes in an epoch when each step's batch is dealt round-robin over
   * {@code workers}: position-in-step modulo workers. Every step then gives each worker ⌊B/W⌋ or ⌈B/W⌉ of
   * its examples, so no worker waits for another holding most of the batch.
   */
  public int workerSlot(int epoch, int index, int workers) {
    if (workers <= 0) {
      throw new IllegalArgumentException("workers must be positive, got " + workers);
    }
    return (positionInEpoch(epoch, index) % globalBatch) % workers;
  }
}
