package io.aligntune.spark.step;

import org.apache.spark.Partitioner;

/** Sends a record keyed by its worker slot (an int in [0, partitions)) to the partition of that number. */
final class WorkerSlotPartitioner extends Partitioner {

  private final int partitions;

  WorkerSlotPartitioner(int partitions) {
    this.partitions = partitions;
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    int slot = (Integer) key;
    if (slot < 0 || slot >= partitions) {
      throw new IllegalArgumentException("worker slot " + slot + " outside [0, " + partitions + ")");
    }
    return slot;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof WorkerSlotPartitioner p && p.partitions == partitions;
  }

  @Override
  public int hashCode() {
    return partitions;
  }
}
