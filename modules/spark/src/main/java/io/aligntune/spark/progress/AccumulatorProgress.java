package io.aligntune.spark.progress;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A console line now and then for a long Spark pass that has no steps of its own (the reference log-prob
 * pass scores thousands of pairs in one task per partition, for minutes). The tasks add what they have done
 * to a {@link LongAccumulator}; executors send running tasks' accumulator values with their heartbeats
 * ({@code spark.executor.heartbeatInterval}, 10 s by default) and final values when a task ends, so the
 * driver sees progress inside tasks, not only at their ends. A failed attempt's count is dropped (its retry
 * counts again). Prints at most once per {@code every}; nothing after {@link #close}.
 */
public final class AccumulatorProgress extends SparkListener implements AutoCloseable {

  private final SparkContext context;
  private final long accumulatorId;
  private final long total;
  private final String label;
  private final PrintStream console;
  private final long everyNanos;
  private final long startNanos = System.nanoTime();
  private final Map<Long, Long> doneByTask = new ConcurrentHashMap<>();
  private long lastPrintNanos;
  private long lastPrinted = -1;
  private volatile boolean closed;

  private AccumulatorProgress(SparkContext context, LongAccumulator counter, long total, String label,
      PrintStream console, Duration every) {
    this.context = context;
    this.accumulatorId = counter.id();
    this.total = total;
    this.label = label;
    this.console = console;
    this.everyNanos = every.toNanos();
    this.lastPrintNanos = startNanos;
  }

  /**
   * @param label the line's start, e.g. "[align] reference log-probs"
   * @param total the units the pass will count (pairs), for the percentage
   */
  public static AccumulatorProgress watch(SparkContext context, LongAccumulator counter, long total, String label,
      PrintStream console, Duration every) {
    AccumulatorProgress progress = new AccumulatorProgress(context, counter, total, label, console, every);
    context.addSparkListener(progress);
    return progress;
  }

  /** What the tasks have counted so far (finished attempts plus running tasks' last heartbeats). */
  public long done() {
    return Math.min(total, doneByTask.values().stream().mapToLong(Long::longValue).sum());
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (Tuple4<Object, Object, Object, Seq<AccumulableInfo>> task : CollectionConverters.asJava(update.accumUpdates())) {
      Long value = ours(task._4());
      if (value != null) {
        doneByTask.put((Long) task._1(), value);
      }
    }
    maybePrint();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    long taskId = end.taskInfo().taskId();
    if (!(end.reason() instanceof Success$)) {
      doneByTask.remove(taskId); // its retry is another task and counts again from zero
      return;
    }
    Long value = ours(end.taskInfo().accumulables());
    if (value != null) {
      doneByTask.put(taskId, value);
    }
    maybePrint();
  }

  private Long ours(scala.collection.Seq<AccumulableInfo> infos) {
    for (AccumulableInfo info : CollectionConverters.asJava(infos)) {
      if (info.id() == accumulatorId && info.update().isDefined()) {
        return ((Number) info.update().get()).longValue();
      }
    }
    return null;
  }

  private synchronized void maybePrint() {
    long now = System.nanoTime();
    long done = done();
    if (closed || done == lastPrinted || now - lastPrintNanos < everyNanos) {
      return;
    }
    lastPrintNanos = now;
    lastPrinted = done;
    long seconds = Duration.ofNanos(now - startNanos).toSeconds();
    console.printf(Locale.ROOT, "%s: %d/%d (%.0f%%), %dm%02ds%n", label, done, total,
        total == 0 ? 100.0 : 100.0 * done / total, seconds / 60, seconds % 60);
  }

  @Override
  public void close() {
    closed = true;
    context.removeSparkListener(this);
  }
}
