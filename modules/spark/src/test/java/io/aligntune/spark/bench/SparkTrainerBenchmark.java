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
 *   <li>on one local-cluster of two executor JVMs of one core: the step as one partition (one executor busy)
 *       against two partitions (both busy);</li>
 *   <li>the same work in two plain JVMs of one libtorch thread at once against one alone ({@link
 *       TwoProcessCeiling}): the most two one-core executors can gain on this machine;</li>
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
  static final int PAIRS = 128;
  static final int BATCH = 16;
  static final int STEPS = 8;
  // libtorch's CPU allocator and glibc's mmap threshold settle over the first shapes seen: steps 0 and 1
  // of a fresh executor run 1.5-4x slower than later ones (high system time in vmstat), so both are warm-up
  static final int WARMUP = 2;

  @Test
  void benchmark() throws Exception {
    List<DpoExample> data;
    Map<String, HostTensor> weights;
    double[] singleVsSpark;
    double[] precomputedVsScored;
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(m, CONFIG, 3)) {
      model.addLora(LORA, 4);
      data = ReferenceLogProbs.fill(model, pairs(), 8);
      weights = model.exportTrainable();
      BatchPlan plan = new BatchPlan(PAIRS, BATCH, 1);
      LocalDpoGradients local = new LocalDpoGradients(model, data, plan, 8, DpoLossConfig.sigmoid(0.1));
      // the same step, plus scoring its pairs under the reference (what a trainer without stored
      // reference log-probs pays every step)
      StepGradients scoringReference = (step, w) -> {
        List<DpoExample> batch = new ArrayList<>();
        for (int i : plan.examplesOf(step)) {
          batch.add(data.get(i));
        }
        ReferenceLogProbs.fill(model, batch, 8);
        return local.compute(step, w);
      };
      precomputedVsScored = interleaved(local, scoringReference, weights);
      SparkSession spark = LocalClusterSpark.local(1);
      try {
        singleVsSpark = interleaved(local, sparkGradients(spark, data, 1), weights);
        printTasks(spark);
      } finally {
        spark.stop();
        ExecutorModels.release();
      }
    }
    double[] oneVsTwoExecutors = oneVsTwoExecutors(data, weights);
    double cluster1 = oneVsTwoExecutors[0];
    double cluster2 = oneVsTwoExecutors[1];
    // the machine's own limit for two one-core workers, without Spark: alone, both at once, alone again
    double alone = TwoProcessCeiling.secondsPerStep(1, STEPS)[0];
    double[] together = TwoProcessCeiling.secondsPerStep(2, STEPS);
    alone = (alone + TwoProcessCeiling.secondsPerStep(1, STEPS)[0]) / 2;
    double ceiling = 2 * alone / ((together[0] + together[1]) / 2);
    System.out.printf(Locale.ROOT, "%nDPO step, %d pairs of ~%d tokens, LoRA r%d on a %,d-weight Llama, mean of %d steps:%n",
        BATCH, 2 * (int) data.stream().mapToInt(DpoExample::totalTokens).average().orElse(0) / 2, LORA.rank(),
        CONFIG.parameterCount(), STEPS);
    System.out.printf(Locale.ROOT, "  single process             %.2f s/step (interleaved with local[1])%n", singleVsSpark[0]);
    System.out.printf(Locale.ROOT, "  Spark local[1]             %.2f s/step -> throughput ratio %.2f (target >= 0.9)%n",
        singleVsSpark[1], singleVsSpark[0] / singleVsSpark[1]);
    System.out.printf(Locale.ROOT, "  local-cluster, 1 partition  %.2f s/step (one executor of 1 core, 1 libtorch thread)%n", cluster1);
    System.out.printf(Locale.ROOT, "  local-cluster, 2 partitions %.2f s/step (two such executors) -> speed-up %.2f (target >= 1.7)%n",
        cluster2, cluster1 / cluster2);
    System.out.printf(Locale.ROOT, "  two-process ceiling        one 1-thread JVM alone %.2f s/step, two at once %.2f and %.2f s/step"
        + " -> this machine allows %.2fx; the two executors reach %.0f%% of it%n",
        alone, together[0], together[1], ceiling, 100 * (cluster1 / cluster2) / ceiling);
    System.out.printf(Locale.ROOT, "  precomputed reference      %.2f s/step, reference scored each step %.2f s/step -> %.2fx faster%n",
        precomputedVsScored[0], precomputedVsScored[1], precomputedVsScored[1] / precomputedVsScored[0]);
  }

  /**
   * Mean seconds per step of two step functions run alternately (a, b, a, b, ...) on STEPS steps after
   * WARMUP warm-up steps each, so that a drift in machine load affects both alike.
   */
  static double[] interleaved(StepGradients a, StepGradients b, Map<String, HostTensor> weights) {
    for (int s = 0; s < WARMUP; s++) {
      a.compute(s, weights);
      b.compute(s, weights);
    }
    long nanosA = 0;
    long nanosB = 0;
    for (int s = WARMUP; s < WARMUP + STEPS; s++) {
      long t0 = System.nanoTime();
      a.compute(s, weights);
      long t1 = System.nanoTime();
      b.compute(s, weights);
      long t2 = System.nanoTime();
      nanosA += t1 - t0;
      nanosB += t2 - t1;
    }
    return new double[] {nanosA / 1e9 / STEPS, nanosB / 1e9 / STEPS};
  }

  static SparkDpoGradients sparkGradients(SparkSession spark, List<DpoExample> data, int partitions) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    if (TaskTimes.last == null || TaskTimes.last.context != spark.sparkContext()) {
      spark.sparkContext().addSparkListener(new TaskTimes(spark.sparkContext()));
    }
    return new SparkDpoGradients(jsc, jsc.parallelize(data, partitions).cache(),
        new SparkDpoGradients.Settings(SOURCE, new BatchPlan(PAIRS, BATCH, 1), 8, DpoLossConfig.sigmoid(0.1), 2, null));
  }

  /**
   * One local-cluster with two executor JVMs of one core: the same steps as one partition (one executor
   * works, the other idles) and as two (both work), interleaved step by step.
   */
  static double[] oneVsTwoExecutors(List<DpoExample> data, Map<String, HostTensor> weights) throws Exception {
    SparkSession spark = cluster(2);
    try {
      return interleaved(sparkGradients(spark, data, 1), sparkGradients(spark, data, 2), weights);
    } finally {
      printTasks(spark);
      spark.stop();
      ExecutorModels.release();
    }
  }

  static void printTasks(SparkSession spark) throws Exception {
    spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    System.out.println("  tasks on " + spark.sparkContext().master() + " (ms):" + TaskTimes.last.summary());
  }

  /**
   * local-cluster with N executor JVMs of one core each. Each executor's libtorch gets one intra-op thread
   * ({@code spark.executor.cores=1}, applied by {@code ExecutorThreads}):
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
    // the product sizes libtorch to the executor's cores (ExecutorThreads): one intra-op thread here
    conf.set("spark.executor.cores", "1");
    conf.set("spark.executor.extraJavaOptions",
        "-Dai.djl.offline=true -Doffline=true -Dai.djl.pytorch.num_interop_threads=1");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /** Per-task timings from Spark's listener bus: where a step's wall-clock goes. */
  static final class TaskTimes extends org.apache.spark.scheduler.SparkListener {
    static volatile TaskTimes last;
    final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

    final org.apache.spark.SparkContext context;

    TaskTimes(org.apache.spark.SparkContext context) {
      this.context = context;
      last = this;
    }

    @Override
    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
      org.apache.spark.scheduler.TaskInfo info = end.taskInfo();
      org.apache.spark.executor.TaskMetrics m = end.taskMetrics();
      lines.add(String.format(Locale.ROOT, "stage %d task %d executor %s: duration %d, run %d, cpu %d, deserialize %d, gc %d",
          end.stageId(), info.index(), info.executorId(), info.duration(), m.executorRunTime(),
          m.executorCpuTime() / 1_000_000, m.executorDeserializeTime(), m.jvmGCTime()));
    }

    String summary() {
      return "\n    " + String.join("\n    ", lines);
    }
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
