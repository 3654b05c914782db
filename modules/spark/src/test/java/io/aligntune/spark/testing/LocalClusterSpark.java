package io.aligntune.spark.testing;

import io.aligntune.spark.SparkSessions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;

/**
 * Sessions for tests: {@code local[N]} in-process, or {@code local-cluster[2,1,2048]} with two real executor
 * JVMs (PLATFORM.md pitfall 3). For the latter the build copies every runtime jar into
 * {@code target/spark-home/jars} (SPARK_HOME, set by Surefire with SPARK_SCALA_VERSION=2.13), and this class
 * adds a jar of the module's own compiled classes there, because executors load classes only from jars.
 */
public final class LocalClusterSpark {

  private LocalClusterSpark() {}

  public static SparkSession local(int threads) {
    SparkConf conf = new SparkConf(false).setMaster("local[" + threads + "]").setAppName("aligntune-test");
    SparkSessions.applyLoopbackDefaults(conf);
    conf.set("spark.task.maxFailures", "4");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /** Two executor JVMs of one core and 2 GiB each. Skips the test when SPARK_HOME was not prepared. */
  public static SparkSession twoExecutors() {
    String home = System.getenv("SPARK_HOME");
    Assumptions.assumeTrue(home != null && Files.isDirectory(Paths.get(home, "jars")),
        "local-cluster needs SPARK_HOME/jars (prepared by `mvn verify` in the spark module); SPARK_HOME=" + home);
    packClasses(Paths.get(home, "jars", "zz-aligntune-under-test.jar"));
    SparkConf conf = new SparkConf(false).setMaster("local-cluster[2,1,2048]").setAppName("aligntune-test-cluster");
    SparkSessions.applyLoopbackDefaults(conf);
    conf.set("spark.executor.memory", "1536m");
    // as a cluster sizes its executors; libtorch then takes one thread per executor core (ExecutorThreads)
    conf.set("spark.executor.cores", "1");
    conf.set("spark.task.maxFailures", "4");
    conf.set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
    conf.set("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Doffline=true");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /** Jars target/classes and target/test-classes of the module under test. */
  static void packClasses(Path jar) {
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out)) {
      for (String dir : new String[] {"target/classes", "target/test-classes"}) {
        Path root = Paths.get(dir).toAbsolutePath();
        if (!Files.isDirectory(root)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(root)) {
          for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
            String name = root.relativize(f).toString().replace('\\', '/');
            zip.putNextEntry(new JarEntry(name));
            Files.copy(f, zip);
            zip.closeEntry();
          }
        }
      }
    } catch (java.util.zip.ZipException duplicate) {
      throw new IllegalStateException("duplicate class between main and test output: " + duplicate.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
