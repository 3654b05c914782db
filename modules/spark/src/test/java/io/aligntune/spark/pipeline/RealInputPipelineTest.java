package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.spark.testing.RealPipelineRun;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real inputs in-process on local[2] (the spark-submit/local-cluster twin is
 * modules/cli's SparkSubmitPipelineIT): the gate refuses, and tables, manifest and report agree.
 */
class RealInputPipelineTest {

  @Test
  void realInputsOnLocal2(@TempDir Path dir) throws Exception {
    Path shared = RealPipelineRun.sharedData();
    Path config = RealPipelineRun.writeConfig(dir, shared, Paths.get("../../data-samples").toAbsolutePath().normalize());
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SparkSession spark = LocalClusterSpark.local(2);
    try {
      PipelineJob.Outcome outcome = PipelineJob.run(spark, AlignTuneConfig.load(config),
          new PrintStream(log, true, StandardCharsets.UTF_8));
      String console = log.toString(StandardCharsets.UTF_8);
      assertEquals(PipelineJob.GATE_FAILED, outcome.exitCode(), console);
      RealPipelineRun.checkAgreement(spark, dir, console);
    } finally {
      spark.stop();
      ExecutorModels.release();
    }
  }
}
