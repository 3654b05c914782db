package io.aligntune.train.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.tensor.HostTensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GradientAccumulatorTest {

  private static final long[] SHAPE = {2, 2};

  private static GradientAccumulator partition(float scale, long pairs, double lossSum) {
    return new GradientAccumulator()
        .addGradient("lora_a", SHAPE, new float[] {scale, 2 * scale, 3 * scale, 4 * scale})
        .addGradient("lora_b", new long[] {3}, new float[] {-scale, 0, scale})
        .addCounts(pairs, 10 * pairs)
        .addMetric("loss", lossSum);
  }

  @Test
  void averagesSumsOverTheGlobalPairCount() {
    // Partition 1: 3 pairs whose summed gradient is (1, 2, 3, 4); partition 2: 1 pair, (3, 6, 9, 12).
    // Mean over the 4 pairs: (4, 8, 12, 16)/4, not the mean of the two partitions' means.
    GradientAccumulator merged = partition(1f, 3, 2.0).merge(partition(3f, 1, 1.0));
    assertEquals(4, merged.pairCount());
    assertEquals(40, merged.tokenCount());
    Map<String, HostTensor> mean = merged.averageGradients(AverageOver.PAIRS);
    assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, mean.get("lora_a").data());
    assertArrayEquals(SHAPE, mean.get("lora_a").shape());
    assertArrayEquals(new float[] {-1f, 0f, 1f}, mean.get("lora_b").data());
    assertEquals(0.75, merged.metricMean("loss", AverageOver.PAIRS));

    Map<String, HostTensor> perToken = merged.averageGradients(AverageOver.TOKENS);
    assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, perToken.get("lora_a").data(), 1e-7f);
  }

  @Test
  void emptyAccumulatorIsTheIdentityOnEitherSide() {
    GradientAccumulator left = new GradientAccumulator().merge(partition(1f, 3, 2.0));
    GradientAccumulator right = partition(1f, 3, 2.0).merge(new GradientAccumulator());
    for (GradientAccumulator merged : List.of(left, right)) {
      assertEquals(3, merged.pairCount());
      assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, merged.gradientSum("lora_a").data());
      assertEquals(2.0, merged.metricSum("loss"));
    }
    GradientAccumulator empty = new GradientAccumulator();
    assertSame(empty, empty.merge(new GradientAccumulator()));
    assertTrue(empty.isEmpty());
  }

  @Test
  void presizedZeroMergesAsIdentity() {
    Map<String, long[]> shapes = new TreeMap<>(Map.of("lora_a", SHAPE, "lora_b", new long[] {3}));
    GradientAccumulator zero = GradientAccumulator.withShapes(shapes);
    assertTrue(zero.isEmpty());
    GradientAccumulator merged = zero.merge(partition(2f, 1, 1.0));
    assertArrayEquals(new float[] {2f, 4f, 6f, 8f}, merged.gradientSum("lora_a").data());
    // A pre-sized zero that disagrees on the weights is still an error.
    GradientAccumulator wrongZero = GradientAccumulator.withShapes(Map.of("other", SHAPE));
    assertThrows(IllegalArgumentException.class, () -> wrongZero.merge(partition(2f, 1, 1.0)));
  }

  @Test
  void mergeRefusesDifferentWeightsShapesOrMetrics() {
    GradientAccumulator differentName =
        new GradientAccumulator().addGradient("lora_c", SHAPE, new float[4]).addCounts(1, 1);
    IllegalArgumentException names =
        assertThrows(IllegalArgumentException.class, () -> partition(1f, 1, 1).merge(differentName));
    assertTrue(names.getMessage().contains("different weights"), names.getMessage());

    GradientAccumulator differentShape =
        new GradientAccumulator()
            .addGradient("lora_a", new long[] {4}, new float[4])
            .addGradient("lora_b", new long[] {3}, new float[3])
            .addCounts(1, 1)
            .addMetric("loss", 1);
    IllegalArgumentException shapes =
        assertThrows(IllegalArgumentException.class, () -> partition(1f, 1, 1).merge(differentShape));
    assertTrue(shapes.getMessage().contains("'lora_a' has shape [2, 2] here and [4] there"), shapes.getMessage());

    GradientAccumulator differentMetric = partition(1f, 1, 1).addMetric("rewards/chosen", 0.1);
    IllegalArgumentException metrics =
        assertThrows(IllegalArgumentException.class, () -> partition(1f, 1, 1).merge(differentMetric));
    assertTrue(metrics.getMessage().contains("different metrics"), metrics.getMessage());
  }

  @Test
  void addRefusesAShapeChangeAndBadValues() {
    GradientAccumulator accumulator = partition(1f, 1, 1);
    assertThrows(
        IllegalArgumentException.class,
        () -> accumulator.addGradient("lora_a", new long[] {4}, new float[4]));
    assertThrows(
        IllegalArgumentException.class,
        () -> accumulator.addGradient("lora_a", SHAPE, new float[3]));
    assertThrows(IllegalArgumentException.class, () -> accumulator.addMetric("loss", Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> accumulator.addCounts(-1, 0));
  }

  @Test
  void averagingNothingIsAnError() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> new GradientAccumulator().averageGradients(AverageOver.TOKENS));
    assertTrue(e.getMessage().contains("tokens"), e.getMessage());
  }

  @Test
  void survivesJavaSerialization() throws IOException, ClassNotFoundException {
    GradientAccumulator original = partition(1.5f, 2, 3.25);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(original);
    }
    GradientAccumulator copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (GradientAccumulator) in.readObject();
    }
    assertEquals(original.averageGradients(AverageOver.PAIRS), copy.averageGradients(AverageOver.PAIRS));
    assertEquals(original.metricSums(), copy.metricSums());
    assertEquals(original.tokenCount(), copy.tokenCount());
  }

  @Test
  void mergeOrderDoesNotChangeTheResult() {
    // treeAggregate merges in whatever tree the partitions form; the averaged gradient must not care.
    Random random = new Random(7);
    List<GradientAccumulator> parts = new ArrayList<>();
    List<GradientAccumulator> sameParts = new ArrayList<>();
    for (int p = 0; p < 8; p++) {
      float[] gradient = new float[1000];
      for (int i = 0; i < gradient.length; i++) {
        gradient[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 3));
      }
      long pairs = 1 + random.nextInt(5);
      parts.add(new GradientAccumulator().addGradient("w", new long[] {1000}, gradient).addCounts(pairs, pairs));
      sameParts.add(new GradientAccumulator().addGradient("w", new long[] {1000}, gradient).addCounts(pairs, pairs));
    }
    GradientAccumulator leftFold = new GradientAccumulator();
    parts.forEach(leftFold::merge);
    // A balanced tree, in reverse order.
    GradientAccumulator a = sameParts.get(7).merge(sameParts.get(6)).merge(sameParts.get(5).merge(sameParts.get(4)));
    GradientAccumulator b = sameParts.get(3).merge(sameParts.get(2)).merge(sameParts.get(1).merge(sameParts.get(0)));
    GradientAccumulator tree = a.merge(b);
    assertArrayEquals(
        leftFold.averageGradients(AverageOver.PAIRS).get("w").data(),
        tree.averageGradients(AverageOver.PAIRS).get("w").data(),
        1e-9f);
  }
}
