package io.aligntune.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every layer for the positions processed so far, so that generating token t costs one
 * position's work instead of t. Owns its arrays in its own manager; close it when generation ends.
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;   // per layer [B, kvHeads, S, D]
  private final NDArray[] values;

  public KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Positions already cached (S). */
  public long length() {
    return keys[0] == null ? 0 : keys[0].getShape().get(2);
  }

  /** Appends this step's keys/values for a layer and returns the full [B, kvHeads, S+T, D] pair. */
  NDArray[] append(int layer, NDArray k, NDArray v) {
    NDArray fullK = keys[layer] == null ? k : keys[layer].concat(k, 2);
    NDArray fullV = values[layer] == null ? v : values[layer].concat(v, 2);
    // detach from the step's scratch manager so the cache outlives the forward call
    fullK.attach(manager);
    fullV.attach(manager);
    if (keys[layer] != null) {
      keys[layer].close();
      values[layer].close();
    }
    keys[layer] = fullK;
    values[layer] = fullV;
    return new NDArray[] {fullK, fullV};
  }

  @Override
  public void close() {
    manager.close();
  }
}
