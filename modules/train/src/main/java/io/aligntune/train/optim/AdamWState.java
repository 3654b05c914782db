package io.aligntune.train.optim;

import io.aligntune.core.tensor.HostTensor;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything AdamW needs to continue exactly where it stopped: the number of updates applied and, per
 * weight, the first and second moment estimates. A checkpoint stores it beside the weights.
 *
 * @param step number of updates applied so far (the bias corrections depend on it)
 * @param firstMoments m per weight name (PyTorch calls it {@code exp_avg})
 * @param secondMoments v per weight name ({@code exp_avg_sq})
 */
public record AdamWState(
    long step, Map<String, HostTensor> firstMoments, Map<String, HostTensor> secondMoments) {

  /** Prefix of first-moment tensors in {@link #toTensors()}, PyTorch's state name. */
  public static final String FIRST_MOMENT_PREFIX = "exp_avg/";
  /** Prefix of second-moment tensors in {@link #toTensors()}. */
  public static final String SECOND_MOMENT_PREFIX = "exp_avg_sq/";

  public AdamWState {
    if (step < 0) {
      throw new IllegalArgumentException("step = " + step + " is invalid; it must be >= 0");
    }
    if (!firstMoments.keySet().equals(secondMoments.keySet())) {
      throw new IllegalArgumentException(
          "first and second moments name different weights: " + firstMoments.keySet() + " vs "
              + secondMoments.keySet());
    }
    for (Map.Entry<String, HostTensor> first : firstMoments.entrySet()) {
      HostTensor second = secondMoments.get(first.getKey());
      if (!java.util.Arrays.equals(first.getValue().shape(), second.shape())) {
        throw new IllegalArgumentException(
            "moments of '" + first.getKey() + "' differ in shape: " + first.getValue().shapeString()
                + " vs " + second.shapeString());
      }
    }
    firstMoments = Collections.unmodifiableMap(new TreeMap<>(firstMoments));
    secondMoments = Collections.unmodifiableMap(new TreeMap<>(secondMoments));
  }

  /**
   * One flat map for a safetensors file: {@code exp_avg/<weight>} and {@code exp_avg_sq/<weight>}. The step
   * is not a tensor; store it in the checkpoint's metadata.
   */
  public Map<String, HostTensor> toTensors() {
    Map<String, HostTensor> tensors = new TreeMap<>();
    firstMoments.forEach((name, m) -> tensors.put(FIRST_MOMENT_PREFIX + name, m));
    secondMoments.forEach((name, v) -> tensors.put(SECOND_MOMENT_PREFIX + name, v));
    return tensors;
  }

  /** The inverse of {@link #toTensors()}; any other name is an error. */
  public static AdamWState fromTensors(long step, Map<String, HostTensor> tensors) {
    Map<String, HostTensor> first = new TreeMap<>();
    Map<String, HostTensor> second = new TreeMap<>();
    for (Map.Entry<String, HostTensor> entry : tensors.entrySet()) {
      String name = entry.getKey();
      // Test the longer prefix first: "exp_avg_sq/x" does not start with "exp_avg/", but be explicit.
      if (name.startsWith(SECOND_MOMENT_PREFIX)) {
        second.put(name.substring(SECOND_MOMENT_PREFIX.length()), entry.getValue());
      } else if (name.startsWith(FIRST_MOMENT_PREFIX)) {
        first.put(name.substring(FIRST_MOMENT_PREFIX.length()), entry.getValue());
      } else {
        throw new IllegalArgumentException(
            "optimizer state tensor '" + name + "' is neither " + FIRST_MOMENT_PREFIX + "<weight> nor "
                + SECOND_MOMENT_PREFIX + "<weight>");
      }
    }
    return new AdamWState(step, first, second);
  }
}
