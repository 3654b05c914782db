package io.aligntune.spark.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.dpo.LocalDpoGradients;
import io.aligntune.train.dpo.ReferenceLogProbs;
import io.aligntune.train.loop.MetricsFormula;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import io.aligntune.train.step.DpoStepMetrics;
import io.aligntune.train.step.GradientAccumulator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The Spark trainer on local[2] (in-process executors) against the single-process trainer. */
class SparkDpoGradientsTest {

  static final ModelSource SOURCE = ModelSource.random(TinyPairs.CONFIG, 11).withLora(TinyPairs.LORA, 5);
  static NDManager manager;
  static List<DpoExample> data;
  SparkSession spark;

  @BeforeAll
  static void referenceOnce() {
    manager = NDManager.newBaseManager();
    try (LlamaModel model = LlamaModel.random(manager, TinyPairs.CONFIG, 11)) {
      model.addLora(TinyPairs.LORA, 5);
      data = ReferenceLogProbs.fill(model, TinyPairs.examples(10, 3), 4);
    }
  }

  @AfterAll
  static void closeAll() {
    ExecutorModels.release();
    manager.close();
  }

  @AfterEach
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static SparkDpoGradients sparkGradients(SparkSession spark, int partitions, int microBatch, BatchPlan plan,
      io.aligntune.spark.step.InjectedTaskFailure failure) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<DpoExample> rdd = jsc.parallelize(data, partitions).cache();
    return new SparkDpoGradients(jsc, rdd,
        new SparkDpoGradients.Settings(SOURCE, plan, microBatch, DpoLossConfig.sigmoid(0.1), 2, failure));
  }

  static Map<String, HostTensor> initialWeights() {
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(m, TinyPairs.CONFIG, 11)) {
      model.addLora(TinyPairs.LORA, 5);
      return model.exportTrainable();
    }
  }

  @ParameterizedTest
  @CsvSource({"1,1", "1,4", "3,1", "3,4"})
  void stepZeroWithPolicyEqualToReferenceIsLn2(int partitions, int microBatch) {
    spark = LocalClusterSpark.local(2);
    BatchPlan plan = new BatchPlan(data.size(), 10, 1);
    GradientAccumulator step = sparkGradients(spark, partitions, microBatch, plan, null).compute(0, initialWeights());
    DpoStepMetrics m = DpoStepMetrics.from(step, 0, 0);
    assertEquals(10, m.numPairs());
    assertEquals(Math.log(2), m.loss(), 1e-6);
    assertEquals(0, m.rewardsChosen(), 1e-6);
    assertEquals(0, m.rewardsRejected(), 1e-6);
  }

  @Test
  void sparkStepEqualsSingleProcessStep() {
    spark = LocalClusterSpark.local(2);
    BatchPlan plan = new BatchPlan(data.size(), 6, 1);
    Map<String, HostTensor> w = perturbedWeights();
    GradientAccumulator distributed = sparkGradients(spark, 3, 2, plan, null).compute(1, w);
    GradientAccumulator local;
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(m, TinyPairs.CONFIG, 11)) {
      model.addLora(TinyPairs.LORA, 5);
      local = new LocalDpoGradients(model, data, plan, 3, DpoLossConfig.sigmoid(0.1)).compute(1, w);
    }
    assertEquals(local.pairCount(), distributed.pairCount());
    double diff = maxDiff(local.averageGradients(AverageOver.PAIRS), distributed.averageGradients(AverageOver.PAIRS));
    System.out.println("[distributed-vs-local] max abs gradient diff " + diff);
    assertTrue(diff < 1e-5, "distributed vs local gradient differ by " + diff + "; local loss " + local.metricSum("loss") + " distributed " + distributed.metricSum("loss"));
  }

  @Test
  void aTaskFailingOnceIsRetriedAndNoGradientIsAppliedTwice() throws Exception {
    // local[2, 4]: two threads, up to 4 attempts per task (plain local[N] never retries)
    spark = SparkSession.builder().master("local[2,4]").appName("retry").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    TaskAttempts attempts = new TaskAttempts();
    spark.sparkContext().addSparkListener(attempts);
    BatchPlan plan = new BatchPlan(data.size(), 4, 9);
    Map<String, HostTensor> clean = train(sparkGradients(spark, 3, 2, plan, null), 4);
    List<TaskAttempts.Attempt> cleanFailures = attempts.failedSoFar(spark);
    Map<String, HostTensor> retried = train(sparkGradients(spark, 3, 2, plan, new io.aligntune.spark.step.InjectedTaskFailure(2, 1)), 4);
    List<TaskAttempts.Attempt> failures = attempts.failedSoFar(spark);

    assertEquals(List.of(), cleanFailures, "the failure-free run must have no failed task attempt");
    // exactly one attempt failed: attempt 0 of partition 1 (the injected one), and its retry, attempt 1 of
    // the same task in the same stage, succeeded
    assertEquals(1, failures.size(), "failed task attempts: " + failures);
    TaskAttempts.Attempt failed = failures.get(0);
    assertEquals(1, failed.partition());
    assertEquals(0, failed.attemptNumber());
    assertTrue(failed.reason().contains("injected failure: step 2, partition 1"), failed.reason());
    assertTrue(attempts.succeeded(failed.stageId(), failed.partition(), 1),
        "the failed task must have been retried successfully as attempt 1");
    double diff = maxDiff(clean, retried);
    assertTrue(diff < 1e-6, "weights after a retried task differ by " + diff);
    assertTrue(maxDiff(clean, initialWeights()) > 1e-4, "training must have moved the weights");
  }

  /** Every task end Spark reports, so a test can count failed attempts and see their retries. */
  static final class TaskAttempts extends org.apache.spark.scheduler.SparkListener {
    record Attempt(int stageId, int partition, int attemptNumber, boolean success, String reason) {}

    private final List<Attempt> ends = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    @Override
    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
      boolean success = end.reason() instanceof org.apache.spark.Success$;
      String reason = success ? "" : end.reason() instanceof org.apache.spark.TaskFailedReason failed
          ? failed.toErrorString() : end.reason().toString();
      ends.add(new Attempt(end.stageId(), end.taskInfo().partitionId(), end.taskInfo().attemptNumber(), success, reason));
    }

    /** The failed attempts reported so far, once the listener bus has delivered every event already posted. */
    List<Attempt> failedSoFar(SparkSession spark) throws java.util.concurrent.TimeoutException {
      // events reach listeners asynchronously; without this wait a count taken right after a job can be short
      spark.sparkContext().listenerBus().waitUntilEmpty();
      synchronized (ends) {
        return ends.stream().filter(a -> !a.success()).toList();
      }
    }

    boolean succeeded(int stageId, int partition, int attemptNumber) {
      synchronized (ends) {
        return ends.stream().anyMatch(a -> a.success() && a.stageId() == stageId && a.partition() == partition
            && a.attemptNumber() == attemptNumber);
      }
    }
  }

  static Map<String, HostTensor> train(SparkDpoGradients gradients, int steps) {
    TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(steps, 1.0, LearningRateSchedule.fromConfig(
        "constant", 0.05, 0, steps, 0), AverageOver.PAIRS, MetricsFormula.dpo()), List.of());
    return loop.run(new TrainingState(initialWeights(), new AdamW(AdamW.Settings.defaults()), 0), gradients).weights();
  }

  static Map<String, HostTensor> perturbedWeights() {
    Map<String, HostTensor> w = new LinkedHashMap<>(initialWeights());
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
