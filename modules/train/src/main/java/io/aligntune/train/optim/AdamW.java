package io.aligntune.train.optim;

import io.aligntune.core.tensor.HostTensor;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019, "Decoupled Weight Decay Regularization",
 * Algorithm 2), on the driver, over host tensors. For each weight w with gradient g, at update t = 1, 2, …
 * and learning rate η = lr(t − 1):
 *
 * <pre>
 *   w ← w − η·λ·w                                 decay, applied to the weight, not folded into g
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   w ← w − η · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 * </pre>
 *
 * This is the order and the ε placement of {@code torch.optim.AdamW}, so a run matches PyTorch's to float
 * rounding. The schedule's η multiplies the decay too, as in PyTorch (the paper scales it by a separate
 * schedule multiplier, which is the same thing when the schedule is η's). Per-element arithmetic is done in
 * double and stored as float32, like the weights and moments.
 *
 * <p>Not thread-safe: the driver applies one update at a time.
 */
public final class AdamW {

  /**
   * The optimizer's constants.
   *
   * @param beta1 decay of the first-moment average, in [0, 1); PyTorch and TRL use 0.9
   * @param beta2 decay of the second-moment average, in [0, 1); 0.999
   * @param epsilon added to √v̂ so that weights with tiny gradients take bounded steps, > 0; 1e-8
   * @param weightDecay λ, ≥ 0; TRL's default is 0.0 ({@code torch.optim.AdamW}'s own default is 0.01)
   */
  public record Settings(double beta1, double beta2, double epsilon, double weightDecay) {
    public Settings {
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("adam_beta1 = " + beta1 + " is invalid; it must lie in [0, 1)");
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("adam_beta2 = " + beta2 + " is invalid; it must lie in [0, 1)");
      }
      if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
        throw new IllegalArgumentException(
            "adam_epsilon = " + epsilon + " is invalid; it must be finite and > 0");
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException(
            "weight_decay = " + weightDecay + " is invalid; it must be finite and >= 0");
      }
    }

    /** TRL's defaults: β1 0.9, β2 0.999, ε 1e-8, no weight decay. */
    public static Settings defaults() {
      return new Settings(0.9, 0.999, 1e-8, 0.0);
    }
  }

  private final Settings settings;
  private final Predicate<String> decayed;
  private final Map<String, float[]> firstMoments = new TreeMap<>();
  private final Map<String, float[]> secondMoments = new TreeMap<>();
  private final Map<String, long[]> shapes = new TreeMap<>();
  private long step;

  /** An optimizer that decays every weight. */
  public AdamW(Settings settings) {
    this(settings, name -> true);
  }

  /**
   * @param decayed which weights receive weight decay, by name; Hugging Face's trainer exempts biases and
   *     normalisation gains, whose decay toward 0 has no regularising meaning
   */
  public AdamW(Settings settings, Predicate<String> decayed) {
    if (settings == null || decayed == null) {
      throw new IllegalArgumentException("settings and the decay predicate are required");
    }
    this.settings = settings;
    this.decayed = decayed;
  }

  /** An optimizer that continues from a checkpointed state; the next update is number state.step() + 1. */
  public static AdamW resume(Settings settings, Predicate<String> decayed, AdamWState state) {
    AdamW optimizer = new AdamW(settings, decayed);
    optimizer.step = state.step();
    state.firstMoments().forEach((name, m) -> {
      optimizer.firstMoments.put(name, m.data().clone());
      optimizer.shapes.put(name, m.shape().clone());
    });
    state.secondMoments().forEach((name, v) -> optimizer.secondMoments.put(name, v.data().clone()));
    return optimizer;
  }

  public Settings settings() {
    return settings;
  }

  /** Number of updates applied so far. */
  public long step() {
    return step;
  }

  /**
   * Applies one update to {@code weights} in place.
   *
   * @param weights trainable weights by name; their arrays are overwritten
   * @param gradients the averaged (and clipped) gradient of each weight: same names, same shapes
   * @param learningRate η for this update, finite and ≥ 0
   */
  public void update(
      Map<String, HostTensor> weights, Map<String, HostTensor> gradients, double learningRate) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "learning rate " + learningRate + " is invalid; it must be finite and >= 0");
    }
    checkNames(weights, gradients);
    long t = step + 1;
    double firstCorrection = 1 - Math.pow(settings.beta1(), t);
    double secondCorrection = 1 - Math.pow(settings.beta2(), t);
    for (Map.Entry<String, HostTensor> entry : weights.entrySet()) {
      String name = entry.getKey();
      float[] w = entry.getValue().data();
      float[] g = gradients.get(name).data();
      float[] m = firstMoments.computeIfAbsent(name, k -> new float[w.length]);
      float[] v = secondMoments.computeIfAbsent(name, k -> new float[w.length]);
      shapes.putIfAbsent(name, entry.getValue().shape().clone());
      double decayFactor = decayed.test(name) ? 1 - learningRate * settings.weightDecay() : 1;
      updateOne(w, g, m, v, learningRate, decayFactor, firstCorrection, secondCorrection);
    }
    step = t;
  }

  private void updateOne(
      float[] w, float[] g, float[] m, float[] v, double learningRate, double decayFactor,
      double firstCorrection, double secondCorrection) {
    double beta1 = settings.beta1();
    double beta2 = settings.beta2();
    double epsilon = settings.epsilon();
    double sqrtSecondCorrection = Math.sqrt(secondCorrection);
    for (int i = 0; i < w.length; i++) {
      double gradient = g[i];
      m[i] = (float) (beta1 * m[i] + (1 - beta1) * gradient);
      v[i] = (float) (beta2 * v[i] + (1 - beta2) * gradient * gradient);
      double denominator = Math.sqrt(v[i]) / sqrtSecondCorrection + epsilon;
      double shrunk = w[i] * decayFactor;
      w[i] = (float) (shrunk - learningRate * (m[i] / firstCorrection) / denominator);
    }
  }

  /** A deep copy of the current state, for a checkpoint. */
  public AdamWState exportState() {
    Map<String, HostTensor> first = new TreeMap<>();
    Map<String, HostTensor> second = new TreeMap<>();
    for (Map.Entry<String, float[]> entry : firstMoments.entrySet()) {
      long[] shape = shapes.get(entry.getKey()).clone();
      first.put(entry.getKey(), new HostTensor(shape, entry.getValue().clone()));
      second.put(entry.getKey(), new HostTensor(shape.clone(), secondMoments.get(entry.getKey()).clone()));
    }
    return new AdamWState(step, first, second);
  }

  // The moments are per weight: a weight appearing or disappearing mid-run would silently restart or drop
  // its averages, so after the first update the names must stay the same.
  private void checkNames(Map<String, HostTensor> weights, Map<String, HostTensor> gradients) {
    if (!weights.keySet().equals(gradients.keySet())) {
      throw new IllegalArgumentException(
          "weights and gradients name different tensors: " + weights.keySet() + " vs "
              + gradients.keySet());
    }
    if (!firstMoments.isEmpty() && !firstMoments.keySet().equals(weights.keySet())) {
      throw new IllegalArgumentException(
          "weights " + weights.keySet() + " differ from those the optimizer state holds "
              + firstMoments.keySet());
    }
    for (Map.Entry<String, HostTensor> entry : weights.entrySet()) {
      String name = entry.getKey();
      long[] shape = entry.getValue().shape();
      HostTensor gradient = gradients.get(name);
      if (!Arrays.equals(shape, gradient.shape())) {
        throw new IllegalArgumentException(
            "gradient of '" + name + "' has shape " + gradient.shapeString() + " but the weight has "
                + entry.getValue().shapeString());
      }
      long[] known = shapes.get(name);
      if (known != null && !Arrays.equals(known, shape)) {
        throw new IllegalArgumentException(
            "weight '" + name + "' has shape " + entry.getValue().shapeString()
                + " but the optimizer state has " + Arrays.toString(known));
      }
    }
  }
}
