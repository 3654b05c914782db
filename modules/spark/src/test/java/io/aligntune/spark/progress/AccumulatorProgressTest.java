package io.aligntune.spark.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.spark.SparkSessions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

/**
 * Progress inside long tasks: with executor heartbeats every 200 ms, a pass of two tasks that each count
 * 40 units over ~2 s is reported while the tasks still run (counts between 0 and the total, rising), and
 * ends at the total.
 */
class AccumulatorProgressTest {

  @Test
  void runningTasksReportTheirCountsThroughHeartbeats() throws Exception {
    SparkSession active = SparkSession.getActiveSession().getOrElse(() -> null);
    if (active != null) {
      active.stop(); // heartbeats must be fast for this test: its own session
    }
    SparkConf conf = new SparkConf(false).setMaster("local[2]").setAppName("progress-test")
        .set("spark.executor.heartbeatInterval", "200ms");
    SparkSessions.applyLoopbackDefaults(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      LongAccumulator counted = spark.sparkContext().longAccumulator("units");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream console = new PrintStream(out, true, StandardCharsets.UTF_8);
      try (AccumulatorProgress progress = AccumulatorProgress.watch(spark.sparkContext(), counted, 80, "[test] units",
          console, Duration.ofMillis(100))) {
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(IntStream.range(0, 80).boxed().toList(), 2)
            .foreach(i -> {
              Thread.sleep(50);
              counted.add(1);
            });
        // the listener bus delivers the last task end after the action returns
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (progress.done() < 80 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertEquals(80, progress.done());
      }
      String text = out.toString(StandardCharsets.UTF_8);
      Matcher m = Pattern.compile("\\[test\\] units: (\\d+)/80 \\((\\d+)%\\), 0m\\d\\ds").matcher(text);
      List<Integer> counts = new ArrayList<>();
      while (m.find()) {
        counts.add(Integer.parseInt(m.group(1)));
      }
      // a finished task counts 40: any other count came from a running task's heartbeat
      assertTrue(counts.stream().anyMatch(c -> c % 40 != 0), "a count from inside the running tasks: " + text);
      for (int i = 1; i < counts.size(); i++) {
        assertTrue(counts.get(i) > counts.get(i - 1), "rising: " + counts);
      }
    } finally {
      spark.stop();
    }
  }
}
