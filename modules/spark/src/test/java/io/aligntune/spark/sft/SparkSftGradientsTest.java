package io.aligntune.spark.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.sft.LocalEvalLoss;
import io.aligntune.train.sft.LocalSftGradients;
import io.aligntune.train.sft.SftExampleRow;
import io.aligntune.train.sft.SftMetricsFormula;
import io.aligntune.train.sft.TokenNll;
import io.aligntune.train.step.AverageOver;
import io.aligntune.train.step.GradientAccumulator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Spark SFT trainer on local[2] (in-process executors) against the single-process trainer. */
class SparkSftGradientsTest {

  static final ModelSource SOURCE = ModelSource.random(TinySftRows.CONFIG, 11).withLora(TinySftRows.LORA, 5);
  // 12 rows, every 4th fully truncated: partitions see a mix, and one step's share may hold only those
  static final List<SftExampleRow> DATA = TinySftRows.rows(12, 3, 4);
  SparkSession spark;

  @AfterAll
  static void releaseModels() {
    ExecutorModels.release();
  }

  @AfterEach
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static SparkSftGradients sparkGradients(SparkSession spark, List<SftExampleRow> data, ModelSource source,
      BatchPlan plan, double dropout, io.aligntune.spark.step.InjectedTaskFailure failure) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<SftExampleRow> rdd = jsc.parallelize(data, 3).cache();
    return new SparkSftGradients(jsc, rdd,
        new SparkSftGradients.Settings(source, plan, 2, 7, dropout, dropout, 2, failure));
  }

  static LlamaModel localModel(NDManager manager, LoraConfig lora) {
    LlamaModel model = LlamaModel.random(manager, TinySftRows.CONFIG, 11);
    model.addLora(lora, 5);
    return model;
  }

  @Test
  void sparkStepEqualsSingleProcessStepOverSupervisedTokens() {
    spark = LocalClusterSpark.local(2);
    BatchPlan plan = new BatchPlan(DATA.size(), 8, 1);
    Map<String, HostTensor> w = perturbedWeights(TinySftRows.LORA);
    for (long step : new long[] {0, 1}) {
      GradientAccumulator distributed = sparkGradients(spark, DATA, SOURCE, plan, 0, null).compute(step, w);
      GradientAccumulator local;
      try (NDManager m = NDManager.newBaseManager(); LlamaModel model = localModel(m, TinySftRows.LORA)) {
        local = new LocalSftGradients(model, DATA, plan, 3, 7).compute(step, w);
      }
      long expectedTokens = 0;
      for (int i : plan.examplesOf(step)) {
        expectedTokens += DATA.get(i).supervisedCount();
      }
      assertEquals(expectedTokens, distributed.tokenCount());
      assertEquals(local.tokenCount(), distributed.tokenCount());
      assertEquals(local.metricSum("loss") / local.tokenCount(),
          distributed.metricSum("loss") / distributed.tokenCount(), 1e-6);
      double diff = maxDiff(local.averageGradients(AverageOver.TOKENS), distributed.averageGradients(AverageOver.TOKENS));
      System.out.println("[sft distributed-vs-local] step " + step + " max abs gradient diff " + diff);
      assertTrue(diff < 1e-5, "distributed vs local gradient differ by " + diff);
    }
  }

  @Test
  void sparkEvalLossEqualsLocalEvalLoss() {
    spark = LocalClusterSpark.local(2);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, HostTensor> w = perturbedWeights(TinySftRows.LORA);
    TokenNll distributed = new SparkEvalLoss(jsc, jsc.parallelize(DATA, 3).cache(), SOURCE, 2).evaluate(w);
    TokenNll local;
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = localModel(m, TinySftRows.LORA)) {
      local = new LocalEvalLoss(model, DATA, 5).evaluate(w);
    }
    assertEquals(local.tokens(), distributed.tokens());
    assertEquals(local.mean(), distributed.mean(), 1e-6);
  }

  @Test
  void withDropoutATaskFailingOnceIsRetriedWithTheSameMasks() {
    // local[2, 4]: two threads, up to 4 attempts per task (plain local[N] never retries)
    spark = SparkSession.builder().master("local[2,4]").appName("sft-retry").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    ModelSource withDropout = ModelSource.random(TinySftRows.CONFIG, 11).withLora(TinySftRows.LORA_WITH_DROPOUT, 5);
    BatchPlan plan = new BatchPlan(DATA.size(), 6, 9);
    Map<String, HostTensor> start = initialWeights(TinySftRows.LORA_WITH_DROPOUT);
    Map<String, HostTensor> clean = train(sparkGradients(spark, DATA, withDropout, plan, 0.1, null), start, 3);
    Map<String, HostTensor> retried = train(sparkGradients(spark, DATA, withDropout, plan, 0.1,
        new io.aligntune.spark.step.InjectedTaskFailure(1, 1)), start, 3);
    assertEquals(0, maxDiff(clean, retried), "weights after a retried task must be identical");
    assertTrue(maxDiff(clean, start) > 1e-4, "training must have moved the weights");
  }

  @Test
  void aStepWithNoSupervisedTokenAnywhereIsAClearError() {
    spark = LocalClusterSpark.local(2);
    List<SftExampleRow> truncated = TinySftRows.rows(4, 5, 1);
    BatchPlan plan = new BatchPlan(truncated.size(), 4, 1);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> sparkGradients(spark, truncated, SOURCE, plan, 0, null).compute(0, initialWeights(TinySftRows.LORA)));
    assertTrue(e.getMessage().contains("none of the 4 examples"), e.getMessage());
  }

  static Map<String, HostTensor> train(SparkSftGradients gradients, Map<String, HostTensor> start, int steps) {
    Map<String, HostTensor> weights = new LinkedHashMap<>();
    start.forEach((k, v) -> weights.put(k, v.copy()));
    TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(steps, 1.0, LearningRateSchedule.fromConfig(
        "constant", 0.05, 0, steps, 0), AverageOver.TOKENS, SftMetricsFormula.INSTANCE), List.of());
    return loop.run(new TrainingState(weights, new AdamW(AdamW.Settings.defaults()), 0), gradients).weights();
  }

  static Map<String, HostTensor> initialWeights(LoraConfig lora) {
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = localModel(m, lora)) {
      return model.exportTrainable();
    }
  }

  static Map<String, HostTensor> perturbedWeights(LoraConfig lora) {
    Map<String, HostTensor> w = new LinkedHashMap<>(initialWeights(lora));
    java.util.SplittableRandom r = new java.util.SplittableRandom(4);
    w.forEach((name, t) -> {
      if (name.contains("lora_B")) {
        for (int i = 0; i < t.data().length; i++) {
          t.data()[i] = (float) ((r.nextDouble() - 0.5) * 0.3);
        }
      }
    });
    return w;
  }

  static double maxDiff(Map<String, HostTensor> a, Map<String, HostTensor> b) {
    assertEquals(a.keySet(), b.keySet());
    double max = 0;
    for (String k : a.keySet()) {
      float[] x = a.get(k).data();
      float[] y = b.get(k).data();
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs(x[i] - y[i]));
      }
    }
    return max;
  }
}
