package io.aligntune.spark.step;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.step.GradientAccumulator;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The placement and share selection of a distributed step, with a share function that reports what each
 * task received instead of computing gradients: which examples, in which order, on which partition.
 */
class DistributedStepTest {

  static final int PARTITIONS = 3;
  static SparkSession spark;
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    // local[2, 4]: two threads, up to 4 attempts per task (plain local[N] never retries)
    spark = SparkSession.builder().master("local[2,4]").appName("distributed-step").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /**
   * Per task, as "gradients" (sums the merge keeps apart by index): share[partition] = number of examples
   * it got, order[partition] = 1 when they came in batch order, seen[index] = 1 for each example (so the
   * merge shows every example of the step exactly once).
   */
  static DistributedStep.ShareGradients<Integer> reporting(BatchPlan plan, int datasetSize) {
    return (batch, step, weights) -> {
      int partition = TaskContext.getPartitionId();
      float[] seen = new float[datasetSize];
      boolean inOrder = true;
      for (int i = 0; i < batch.size(); i++) {
        seen[batch.get(i)] += 1;
        inOrder &= plan.positionInStep(step, batch.get(i)) > (i == 0 ? -1 : plan.positionInStep(step, batch.get(i - 1)));
      }
      float[] share = new float[PARTITIONS];
      float[] order = new float[PARTITIONS];
      share[partition] = batch.size();
      order[partition] = inOrder ? 1 : 0;
      return new GradientAccumulator()
          .addGradient("seen", new long[] {datasetSize}, seen)
          .addGradient("share", new long[] {PARTITIONS}, share)
          .addGradient("order", new long[] {PARTITIONS}, order);
    };
  }

  @Test
  void everyStepIsDealtEvenlyOverPartitionsWhateverTheInputPlacement() {
    int n = 61;
    BatchPlan plan = new BatchPlan(n, 16, 9);
    // the worst input placement: the first partition holds almost everything
    JavaRDD<Integer> skewed = jsc.parallelize(IntStream.range(0, 55).boxed().toList(), 1)
        .union(jsc.parallelize(IntStream.range(55, 58).boxed().toList(), 1))
        .union(jsc.parallelize(IntStream.range(58, n).boxed().toList(), 1));
    assertEquals(3, skewed.getNumPartitions());
    DistributedStep<Integer> step = new DistributedStep<>(jsc, skewed, plan, i -> i, 2, null);
    try {
      // three epochs (4 steps each): placement is redone at each epoch boundary
      for (long s = 0; s < 3L * plan.stepsPerEpoch(); s++) {
        GradientAccumulator sums = step.compute(s, Map.of(), "test step " + s, reporting(plan, n));
        int[] batch = plan.examplesOf(s);
        float[] expectedSeen = new float[n];
        for (int i : batch) {
          expectedSeen[i] = 1;
        }
        assertArrayEquals(expectedSeen, sums.gradientSum("seen").data(), 0f, "step " + s + ": each example once");
        float[] shareCounts = sums.gradientSum("share").data();
        float[] inOrder = sums.gradientSum("order").data();
        double[] shares = IntStream.range(0, 3).mapToDouble(p -> shareCounts[p]).toArray();
        double min = java.util.Arrays.stream(shares).min().orElseThrow();
        double max = java.util.Arrays.stream(shares).max().orElseThrow();
        assertTrue(max - min <= 1, "step " + s + " shares " + java.util.Arrays.toString(shares));
        assertEquals(batch.length, java.util.Arrays.stream(shares).sum(), 0.0);
        for (int p = 0; p < 3; p++) {
          if (shares[p] > 0) {
            assertEquals(1f, inOrder[p], "step " + s + " partition " + p + " not in batch order");
          }
        }
      }
    } finally {
      step.release();
    }
  }

  @Test
  void aSinglePartitionKeepsItsInputAndStillSeesTheWholeBatch() {
    int n = 20;
    BatchPlan plan = new BatchPlan(n, 8, 1);
    JavaRDD<Integer> one = jsc.parallelize(IntStream.range(0, n).boxed().toList(), 1);
    DistributedStep<Integer> step = new DistributedStep<>(jsc, one, plan, i -> i, 2, null);
    GradientAccumulator sums = step.compute(1, Map.of(), "test", reporting(plan, n));
    assertEquals(8f, sums.gradientSum("share").data()[0]);
    assertEquals(1f, sums.gradientSum("order").data()[0]);
  }

  @Test
  void anInjectedFailureIsRetriedAndCountedOnce() {
    int n = 24;
    BatchPlan plan = new BatchPlan(n, 12, 4);
    JavaRDD<Integer> data = jsc.parallelize(IntStream.range(0, n).boxed().toList(), 2);
    DistributedStep<Integer> step = new DistributedStep<>(jsc, data, plan, i -> i, 2, new InjectedTaskFailure(1, 1));
    GradientAccumulator sums = step.compute(1, Map.of(), "test", reporting(plan, n));
    assertArrayEquals(new float[] {6, 6, 0}, sums.gradientSum("share").data());
    float total = 0;
    for (float v : sums.gradientSum("seen").data()) {
      total += v;
    }
    assertEquals(12f, total);
    step.release();
  }
}
