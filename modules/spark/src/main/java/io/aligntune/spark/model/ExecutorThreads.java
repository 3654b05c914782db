package io.aligntune.spark.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * How many intra-op threads libtorch uses in an executor JVM. Spark starts executors with
 * {@code OMP_NUM_THREADS} set to the cores of one task ({@code spark.task.cpus}, 1 by default; seen on
 * Spark 4.2 in {@code ExecutorThreadsClusterTest}), and libtorch takes its thread count from it. That suits
 * executors that run one task per core, but AlignTune runs one gradient task per JVM at a time
 * ({@code JvmGradientLock}, PLATFORM.md pitfall 1): an executor of 8 cores would compute every step on one
 * of them. So the task gets all the executor's cores: threads = {@code spark.executor.cores}.
 *
 * <p>An explicit {@code -Dai.djl.pytorch.num_threads} (applied by DJL when the engine loads) always wins; in
 * local mode (executor "driver") the whole machine belongs to the run and libtorch's default stays; with no
 * {@code spark.executor.cores} set (standalone default: all of a worker's cores) Spark's choice stays.
 */
public final class ExecutorThreads {

  static final String DJL_THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
  private static boolean applied;

  private ExecutorThreads() {}

  /**
   * The thread count to set, or empty to leave libtorch as it is.
   *
   * @param explicitProperty the value of {@value #DJL_THREADS_PROPERTY}, if set
   * @param executorId this JVM's Spark executor id ("driver" in local mode)
   * @param executorCores {@code spark.executor.cores}, if set
   */
  static OptionalInt threadsFor(Optional<String> explicitProperty, String executorId, Optional<String> executorCores) {
    if (explicitProperty.isPresent() || "driver".equals(executorId) || executorCores.isEmpty()) {
      return OptionalInt.empty();
    }
    String cores = executorCores.get().trim();
    try {
      int n = Integer.parseInt(cores);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return OptionalInt.of(n);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("spark.executor.cores is '" + cores + "'; expected a positive integer");
    }
  }

  /** Sizes libtorch's thread pool for this JVM once, from the running executor's configuration. */
  public static synchronized void applyOnce() {
    if (applied) {
      return;
    }
    applied = true;
    SparkEnv env = SparkEnv.get();
    if (env == null) {
      return;
    }
    SparkConf conf = env.conf();
    OptionalInt threads = threadsFor(Optional.ofNullable(System.getProperty(DJL_THREADS_PROPERTY)), env.executorId(),
        Optional.ofNullable(conf.get("spark.executor.cores", null)));
    if (threads.isPresent()) {
      Engine.getEngine("PyTorch"); // loads libtorch before its thread pool is sized
      JniUtils.setNumThreads(threads.getAsInt());
    }
  }

  /** libtorch's current intra-op thread count in this JVM (for tests and logs). */
  public static int current() {
    Engine.getEngine("PyTorch");
    return JniUtils.getNumThreads();
  }
}
