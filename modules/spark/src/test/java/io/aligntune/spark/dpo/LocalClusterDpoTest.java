package io.aligntune.spark.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.dpo.LocalDpoGradients;
import io.aligntune.train.dpo.ReferenceLogProbs;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.step.AverageOver;
import io.aligntune.train.step.GradientAccumulator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two real executor JVMs ({@code local-cluster[2,1,2048]}): the first step's gradient, computed by executors
 * that each load the model themselves and see only their partitions, equals the single-process trainer's.
 */
@Tag("cluster")
class LocalClusterDpoTest {

  @Test
  void firstStepGradientOnTwoExecutorJvmsEqualsSingleProcess() {
    List<DpoExample> data;
    GradientAccumulator local;
    BatchPlan plan = new BatchPlan(10, 8, 1);
    Map<String, HostTensor> weights = SparkDpoGradientsTest.perturbedWeights();
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(m, TinyPairs.CONFIG, 11)) {
      model.addLora(TinyPairs.LORA, 5);
      data = ReferenceLogProbs.fill(model, TinyPairs.examples(10, 3), 4);
      local = new LocalDpoGradients(model, data, plan, 4, DpoLossConfig.sigmoid(0.1)).compute(0, weights);
    }
    SparkSession spark = LocalClusterSpark.twoExecutors();
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      JavaRDD<DpoExample> rdd = jsc.parallelize(data, 4).cache();
      // which JVMs computed: executor ids of the partitions must be two distinct processes
      List<String> executors = rdd.mapPartitions(it -> List.of(
          org.apache.spark.SparkEnv.get().executorId() + "@" + ProcessHandle.current().pid()).iterator()).distinct().collect();
      GradientAccumulator distributed = new SparkDpoGradients(jsc, rdd, new SparkDpoGradients.Settings(
          SparkDpoGradientsTest.SOURCE, plan, 1, DpoLossConfig.sigmoid(0.1), 2, null)).compute(0, weights);
      assertEquals(2, executors.stream().map(e -> e.split("@")[1]).distinct().count(), "executors: " + executors);
      assertEquals(local.pairCount(), distributed.pairCount());
      assertEquals(local.metricSum("loss"), distributed.metricSum("loss"), 1e-5);
      double diff = SparkDpoGradientsTest.maxDiff(local.averageGradients(AverageOver.PAIRS),
          distributed.averageGradients(AverageOver.PAIRS));
      System.out.println("[local-cluster] max abs gradient diff vs single process: " + diff);
      assertTrue(diff < 1e-5, "local-cluster gradient differs from single-process by " + diff);
    } finally {
      spark.stop();
    }
  }
}
