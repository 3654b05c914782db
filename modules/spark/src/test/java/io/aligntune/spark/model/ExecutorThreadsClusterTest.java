package io.aligntune.spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aligntune.spark.SparkSessions;
import io.aligntune.spark.testing.LocalClusterSpark;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A real executor JVM of two cores sizes libtorch to those two cores. */
@Tag("cluster")
class ExecutorThreadsClusterTest {

  @Test
  void anExecutorOfTwoCoresComputesWithTwoLibtorchThreads() {
    LocalClusterSpark.twoExecutors().stop(); // prepares SPARK_HOME/jars (and skips when it cannot)
    SparkConf conf = new SparkConf(false).setMaster("local-cluster[1,2,2048]").setAppName("executor-threads");
    SparkSessions.applyLoopbackDefaults(conf);
    conf.set("spark.executor.memory", "1024m");
    conf.set("spark.executor.cores", "2");
    conf.set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
    conf.set("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Doffline=true");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      List<String> seen = jsc.parallelize(List.of(1), 1).map(x -> {
        String before = System.getenv("OMP_NUM_THREADS") + " " + ExecutorThreads.current();
        ExecutorThreads.applyOnce();
        return before + " -> " + ExecutorThreads.current();
      }).collect();
      System.out.println("[executor] OMP_NUM_THREADS, libtorch threads before -> after: " + seen);
      String after = seen.get(0).substring(seen.get(0).indexOf("-> ") + 3);
      assertEquals("2", after, "libtorch threads in an executor of spark.executor.cores=2: " + seen);
    } finally {
      spark.stop();
    }
  }
}
