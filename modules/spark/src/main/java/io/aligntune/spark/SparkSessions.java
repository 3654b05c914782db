package io.aligntune.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession a job runs in. Under spark-submit the master and resources come from the
 * submitter and are left alone; with no master set (a laptop trial, the README's command, tests) it starts
 * an embedded local Spark bound to loopback.
 */
public final class SparkSessions {

  private SparkSessions() {}

  /**
   * @param appName shown in the Spark UI and logs
   * @param defaultMaster used only when no {@code spark.master} was given (e.g. {@code local[2]})
   */
  public static SparkSession getOrCreate(String appName, String defaultMaster) {
    SparkConf conf = new SparkConf(true).setAppName(appName);
    if (!conf.contains("spark.master")) {
      conf.setMaster(defaultMaster);
      applyLoopbackDefaults(conf);
    }
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /** Local runs stay on 127.0.0.1 and keep their scratch and UI quiet. */
  public static void applyLoopbackDefaults(SparkConf conf) {
    conf.setIfMissing("spark.driver.host", "127.0.0.1");
    conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    conf.setIfMissing("spark.ui.enabled", "false");
    conf.setIfMissing("spark.sql.shuffle.partitions", "4");
    conf.setIfMissing("spark.sql.session.timeZone", "UTC");
    // training steps are compute-bound on tiny cached partitions: waiting for locality would serialise a
    // step onto the executor that cached them first
    conf.setIfMissing("spark.locality.wait", "0s");
    // one retry is what makes an injected task failure testable; clusters configure their own
    conf.setIfMissing("spark.task.maxFailures", "4");
  }
}
