package io.aligntune.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Opens a sub-manager for a loss's intermediate arrays. The inputs are temporarily attached to it, so that
 * every array derived from them lands there and is freed when the scope closes; the inputs then return to
 * their own managers. The loss attaches only its outputs to the caller's manager.
 */
final class ScratchScope {

  private ScratchScope() {}

  /**
   * Returns a sub-manager of {@code owner} holding the given inputs until it is closed.
   *
   * <p>Each distinct array is attached once: DJL records the temporary owner by the array's id, so attaching
   * the same array twice (a caller passing one array as both policy and reference log-probs) would record
   * the scratch manager itself as the place to return to, and the array would be freed with the scratch.
   */
  static NDManager open(NDManager owner, NDArray... inputs) {
    NDManager scratch = owner.newSubManager();
    Set<NDArray> attached = Collections.newSetFromMap(new IdentityHashMap<>());
    for (NDArray input : inputs) {
      if (input != null && attached.add(input)) {
        input.tempAttach(scratch);
      }
    }
    return scratch;
  }
}
