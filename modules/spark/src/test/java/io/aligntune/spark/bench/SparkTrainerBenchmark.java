package io.aligntune.spark.bench;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.dpo.SparkDpoGradients;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.dpo.LocalDpoGradients;
import io.aligntune.train.dpo.ReferenceLogProbs;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.loss.DpoLossConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (tag "bench", excluded from `mvn verify`; it asserts nothing about time). Runs side
 * by side in one JVM and prints ratios:
 * <ol>
 *   <li>the Spark trainer on local[1] against the single-process trainer, same data and steps;</li>
 *   <li>local-cluster with two executor JVMs of one core against one executor;</li>
 *   <li>a DPO step with precomputed reference log-probs against one that also scores the reference.</li>
 * </ol>
 * Run: {@code mvn -B -o -pl modules/spark test -Dtest=SparkTrainerBenchmark -Dtest.excluded.groups=none
 * -Dsurefire.failIfNoSpecifiedTests=false} (after {@code mvn -B -o install -DskipTests}).
 */
@Tag("bench")
class SparkTrainerBenchmark {

  // a stories15M-width model with a short context: steps of several seconds on 2 cores
  static final LlamaConfig CONFIG = new LlamaConfig(288, 768, 6, 6, 6, 512, 256, 1e-5, 10000.0, true, 1, 2, 0);
  static final LoraConfig LORA = new LoraConfig(8, 16, 0.0, List.of("q", "k", "v", "o"));
  static final ModelSource SOURCE = ModelSource.random(CONFIG, 3).withLora(LORA, 4);
  static final int PAIRS = 64;
  static final int BATCH = 16;
  static final int STEPS = 4;

  @Test
  void benchmark() {
    List<DpoExample> data;
    Map<String, HostTensor> weights;
    double single;
    double referenceEachStep;
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(m, CONFIG, 3)) {
      model.addLora(LORA, 4);
      data = ReferenceLogProbs.fill(model, pairs(), 8);
      weights = model.exportTrainable();
      BatchPlan plan = new BatchPlan(PAIRS, BATCH, 1);
      LocalDpoGradients local = new LocalDpoGradients(model, data, plan, 8, DpoLossConfig.sigmoid(0.1));
      single = secondsPerStep(local, weights);
      // the same step, plus scoring its pairs under the reference (what a trainer without stored
      // reference log-probs pays every step)
      referenceEachStep = secondsPerStep((step, w) -> {
        List<DpoExample> batch = new ArrayList<>();
        for (int i : plan.examplesOf(step)) {
          batch.add(data.get(i));
        }
        ReferenceLogProbs.fill(model, batch, 8);
        return local.compute(step, w);
      }, weights);
    }
    double sparkLocal1 = sparkSecondsPerStep(LocalClusterSpark.local(1), data, weights, 1);
    double cluster1 = sparkSecondsPerStep(cluster(1), data, weights, 1);
    double cluster2 = sparkSecondsPerStep(cluster(2), data, weights, 2);
    System.out.printf(Locale.ROOT, "%nDPO step, %d pairs of ~%d tokens, LoRA r%d on a %,d-weight Llama, mean of %d steps:%n",
        BATCH, 2 * (int) data.stream().mapToInt(DpoExample::totalTokens).average().orElse(0) / 2, LORA.rank(),
        CONFIG.parameterCount(), STEPS);
    System.out.printf(Locale.ROOT, "  single process            %.2f s/step%n", single);
    System.out.printf(Locale.ROOT, "  Spark local[1]            %.2f s/step  -> throughput ratio %.2f (target >= 0.9)%n",
        sparkLocal1, single / sparkLocal1);
    System.out.printf(Locale.ROOT, "  local-cluster, 1 executor %.2f s/step (1 core, 1 libtorch thread)%n", cluster1);
    System.out.printf(Locale.ROOT, "  local-cluster, 2 executors %.2f s/step -> speed-up %.2f (target >= 1.7)%n",
        cluster2, cluster1 / cluster2);
    System.out.printf(Locale.ROOT, "  reference scored each step %.2f s/step -> precomputed reference is %.2fx faster%n",
        referenceEachStep, referenceEachStep / single);
  }

  /**
   * local-cluster with N executor JVMs of one core each. Each executor's libtorch gets one intra-op thread:
   * with its default (all cores) a single executor already uses both cores of this machine and a second
   * one could only oversubscribe them; one thread per executor core is how a cluster is sized.
   */
  static SparkSession cluster(int executors) {
    LocalClusterSpark.twoExecutors().stop(); // prepares SPARK_HOME/jars (and skips when it cannot)
    org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false)
        .setMaster("local-cluster[" + executors + ",1,2048]").setAppName("trainer-benchmark");
    io.aligntune.spark.SparkSessions.applyLoopbackDefaults(conf);
    conf.set("spark.executor.memory", "1536m");
    conf.set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
    // cached partitions would otherwise pull every task to the executor that computed them first
    // (locality wait 3 s), serialising a step onto one JVM
    conf.set("spark.locality.wait", "0s");
    conf.set("spark.executor.extraJavaOptions",
        "-Dai.djl.offline=true -Doffline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  static double sparkSecondsPerStep(SparkSession spark, List<DpoExample> data, Map<String, HostTensor> weights,
      int partitions) {
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      SparkDpoGradients gradients = new SparkDpoGradients(jsc, jsc.parallelize(data, partitions).cache(),
          new SparkDpoGradients.Settings(SOURCE, new BatchPlan(PAIRS, BATCH, 1), 8, DpoLossConfig.sigmoid(0.1), 2, null));
      return secondsPerStep(gradients, weights);
    } finally {
      spark.stop();
      ExecutorModels.release();
    }
  }

  /** Mean wall-clock seconds of steps 1..STEPS after one warm-up step (model load, JIT). */
  static double secondsPerStep(StepGradients gradients, Map<String, HostTensor> weights) {
    gradients.compute(0, weights);
    long start = System.nanoTime();
    for (int s = 1; s <= STEPS; s++) {
      gradients.compute(s, weights);
    }
    return (System.nanoTime() - start) / 1e9 / STEPS;
  }

  static List<DpoExample> pairs() {
    SplittableRandom r = new SplittableRandom(5);
    List<DpoExample> out = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      int promptLength = 64 + r.nextInt(32);
      int[] chosen = new int[promptLength + 64];
      int[] rejected = new int[promptLength + 48];
      chosen[0] = 1;
      rejected[0] = 1;
      for (int t = 1; t < promptLength; t++) {
        chosen[t] = rejected[t] = 3 + r.nextInt(500);
      }
      for (int t = promptLength; t < chosen.length; t++) {
        chosen[t] = 3 + r.nextInt(500);
      }
      for (int t = promptLength; t < rejected.length; t++) {
        rejected[t] = 3 + r.nextInt(500);
      }
      chosen[chosen.length - 1] = 2;
      rejected[rejected.length - 1] = 2;
      out.add(new DpoExample(i, chosen, rejected, promptLength, 0f, 0f));
    }
    return out;
  }
}
