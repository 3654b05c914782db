package io.aligntune.train.step;

import io.aligntune.core.tensor.HostTensor;
import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one partition contributes to a training step, and what {@code treeAggregate} combines: gradient sums
 * per trainable weight, the number of pairs and tokens they came from, and sums of per-example metrics.
 * Like Spark MLlib's aggregators it has an {@link #add} for one micro-batch and a {@link #merge} for two
 * partial results; both update this object and return it, which {@code treeAggregate} allows.
 *
 * <p>Everything here is a sum. The driver divides once, by the global count ({@link #averageGradients}), so
 * that uneven partitions and micro-batches weigh every example equally and the result does not depend on
 * how the batch was split.
 *
 * <p>Gradient sums are kept in double. Float sums would round differently depending on the order in which
 * a tree of partitions is merged, and the distributed result must equal the single-process one within
 * 1e-5; double makes that order irrelevant at float precision. The cost is 8 bytes per trainable weight on
 * the wire, which for LoRA adapters is megabytes.
 *
 * <p>An accumulator that has seen nothing (the {@code zeroValue} of {@code treeAggregate}, or a partition
 * with no examples this step) is the identity of {@link #merge}. Weights are sized lazily on first add, so
 * the zero value ships no arrays; {@link #withShapes} pre-sizes them instead when an empty partition should
 * still report every weight.
 */
public final class GradientAccumulator implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  // Sorted maps: iteration (and so summation and serialization) order is the same in every JVM.
  private final TreeMap<String, double[]> gradientSums = new TreeMap<>();
  private final TreeMap<String, long[]> shapes = new TreeMap<>();
  private final TreeMap<String, Double> metricSums = new TreeMap<>();
  private long pairCount;
  private long tokenCount;

  /** An empty accumulator whose weights are sized on the first {@link #addGradient}. */
  public GradientAccumulator() {}

  /** An empty accumulator with a zero gradient sum for each named weight. */
  public static GradientAccumulator withShapes(Map<String, long[]> weightShapes) {
    GradientAccumulator accumulator = new GradientAccumulator();
    weightShapes.forEach((name, shape) -> accumulator.sizeFor(name, shape));
    return accumulator;
  }

  /**
   * Adds one micro-batch's gradient of one weight. The gradient must be of the summed (not averaged) loss
   * of the micro-batch.
   */
  public GradientAccumulator addGradient(String name, long[] shape, float[] gradient) {
    long size = HostTensor.numel(shape);
    if (gradient.length != size) {
      throw new IllegalArgumentException(
          "gradient of '" + name + "' has " + gradient.length + " values but shape "
              + Arrays.toString(shape) + " holds " + size);
    }
    double[] sum = sizeFor(name, shape);
    for (int i = 0; i < sum.length; i++) {
      sum[i] += gradient[i];
    }
    return this;
  }

  /** Adds one micro-batch's gradient of one weight. */
  public GradientAccumulator addGradient(String name, HostTensor gradient) {
    return addGradient(name, gradient.shape(), gradient.data());
  }

  /**
   * Adds one micro-batch: gradients of its summed loss, how many pairs and tokens it held, and its metric
   * sums.
   */
  public GradientAccumulator add(
      Map<String, HostTensor> gradients, long pairs, long tokens, Map<String, Double> metrics) {
    gradients.forEach(this::addGradient);
    addCounts(pairs, tokens);
    metrics.forEach(this::addMetric);
    return this;
  }

  /** Adds to the pair and token counts. */
  public GradientAccumulator addCounts(long pairs, long tokens) {
    if (pairs < 0 || tokens < 0) {
      throw new IllegalArgumentException(
          "pair and token counts cannot be negative: pairs = " + pairs + ", tokens = " + tokens);
    }
    pairCount = Math.addExact(pairCount, pairs);
    tokenCount = Math.addExact(tokenCount, tokens);
    return this;
  }

  /** Adds to a metric's sum; a non-finite value is refused rather than turning the step's metric to NaN. */
  public GradientAccumulator addMetric(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("metric '" + name + "' has a non-finite value " + value);
    }
    metricSums.merge(name, value, Double::sum);
    return this;
  }

  /**
   * Adds {@code other} into this accumulator and returns this. An empty side is the identity. Otherwise both
   * sides must hold the same weights with the same shapes and the same metric names: a difference means
   * the partitions ran different models or losses, which no sum could repair.
   */
  public GradientAccumulator merge(GradientAccumulator other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      copyFrom(other);
      return this;
    }
    checkCompatible(other);
    for (Map.Entry<String, double[]> entry : other.gradientSums.entrySet()) {
      double[] sum = gradientSums.get(entry.getKey());
      double[] added = entry.getValue();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += added[i];
      }
    }
    other.metricSums.forEach((name, value) -> metricSums.merge(name, value, Double::sum));
    pairCount = Math.addExact(pairCount, other.pairCount);
    tokenCount = Math.addExact(tokenCount, other.tokenCount);
    return this;
  }

  /**
   * True when nothing has been added: no counts, no metrics, and every gradient sum (if pre-sized) is still
   * all zeros.
   */
  public boolean isEmpty() {
    if (pairCount != 0 || tokenCount != 0 || !metricSums.isEmpty()) {
      return false;
    }
    for (double[] sum : gradientSums.values()) {
      for (double value : sum) {
        if (value != 0) {
          return false;
        }
      }
    }
    return true;
  }

  public long pairCount() {
    return pairCount;
  }

  public long tokenCount() {
    return tokenCount;
  }

  /** The count that {@code over} names. */
  public long count(AverageOver over) {
    return over == AverageOver.PAIRS ? pairCount : tokenCount;
  }

  /** Names of the weights with a gradient sum, sorted. */
  public Set<String> weightNames() {
    return Collections.unmodifiableSet(gradientSums.keySet());
  }

  /** The summed metrics, by name. */
  public Map<String, Double> metricSums() {
    return Collections.unmodifiableMap(metricSums);
  }

  /** One metric's sum; a missing one is an error naming those present. */
  public double metricSum(String name) {
    Double sum = metricSums.get(name);
    if (sum == null) {
      throw new IllegalArgumentException(
          "no metric '" + name + "' was accumulated; present: " + metricSums.keySet());
    }
    return sum;
  }

  /** A copy of one weight's gradient sum, as float32. */
  public HostTensor gradientSum(String name) {
    double[] sum = gradientSums.get(name);
    if (sum == null) {
      throw new IllegalArgumentException("no gradient for '" + name + "'; present: " + weightNames());
    }
    return toHost(shapes.get(name), sum, 1.0);
  }

  /**
   * The step's mean gradient of every weight: each sum divided by the global count of pairs or tokens.
   *
   * @throws IllegalStateException when that count is 0: there is nothing to average, and dividing would
   *     make the update NaN
   */
  public Map<String, HostTensor> averageGradients(AverageOver over) {
    long divisor = count(over);
    if (divisor <= 0) {
      throw new IllegalStateException(
          "cannot average gradients over " + over.name().toLowerCase(Locale.ROOT)
              + ": the step saw none (pairs = " + pairCount + ", tokens = " + tokenCount + ")");
    }
    Map<String, HostTensor> averages = new TreeMap<>();
    double scale = 1.0 / divisor;
    gradientSums.forEach((name, sum) -> averages.put(name, toHost(shapes.get(name), sum, scale)));
    return averages;
  }

  /** A metric's sum divided by the count {@code over} names. */
  public double metricMean(String name, AverageOver over) {
    long divisor = count(over);
    if (divisor <= 0) {
      throw new IllegalStateException(
          "cannot average metric '" + name + "': the step saw no "
              + over.name().toLowerCase(Locale.ROOT));
    }
    return metricSum(name) / divisor;
  }

  private static HostTensor toHost(long[] shape, double[] sum, double scale) {
    float[] values = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      values[i] = (float) (sum[i] * scale);
    }
    return new HostTensor(shape.clone(), values);
  }

  private double[] sizeFor(String name, long[] shape) {
    long[] known = shapes.get(name);
    if (known == null) {
      int size = Math.toIntExact(HostTensor.numel(shape));
      shapes.put(name, shape.clone());
      double[] sum = new double[size];
      gradientSums.put(name, sum);
      return sum;
    }
    if (!Arrays.equals(known, shape)) {
      throw new IllegalArgumentException(
          "gradient of '" + name + "' has shape " + Arrays.toString(shape) + " but earlier ones had "
              + Arrays.toString(known));
    }
    return gradientSums.get(name);
  }

  private void checkCompatible(GradientAccumulator other) {
    checkWeightsMatch(other);
    if (!metricSums.keySet().equals(other.metricSums.keySet())) {
      throw new IllegalArgumentException(
          "cannot merge accumulators with different metrics: " + metricSums.keySet() + " vs "
              + other.metricSums.keySet());
    }
  }

  private void checkWeightsMatch(GradientAccumulator other) {
    if (!gradientSums.keySet().equals(other.gradientSums.keySet())) {
      throw new IllegalArgumentException(
          "cannot merge accumulators over different weights: " + gradientSums.keySet() + " vs "
              + other.gradientSums.keySet());
    }
    shapes.forEach((name, shape) -> {
      long[] otherShape = other.shapes.get(name);
      if (!Arrays.equals(shape, otherShape)) {
        throw new IllegalArgumentException(
            "cannot merge accumulators: weight '" + name + "' has shape " + Arrays.toString(shape)
                + " here and " + Arrays.toString(otherShape) + " there");
      }
    });
  }

  // Called when this accumulator is empty; a pre-sized one must still agree on the weights.
  private void copyFrom(GradientAccumulator other) {
    if (!other.gradientSums.isEmpty()) {
      if (!gradientSums.isEmpty()) {
        checkWeightsMatch(other);
      }
      gradientSums.clear();
      shapes.clear();
      other.gradientSums.forEach((name, sum) -> gradientSums.put(name, sum.clone()));
      other.shapes.forEach((name, shape) -> shapes.put(name, shape.clone()));
    }
    metricSums.putAll(other.metricSums);
    pairCount = other.pairCount;
    tokenCount = other.tokenCount;
  }

  @Override
  public String toString() {
    return "GradientAccumulator{weights=" + gradientSums.size() + ", pairs=" + pairCount + ", tokens="
        + tokenCount + ", metrics=" + metricSums.keySet() + "}";
  }
}
