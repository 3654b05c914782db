package io.aligntune.spark.bench;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.dpo.LocalDpoGradients;
import io.aligntune.train.dpo.ReferenceLogProbs;
import io.aligntune.train.loss.DpoLossConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What this machine allows two one-core workers, with no Spark at all: the single-process DPO step of
 * {@link SparkTrainerBenchmark} in one JVM of one libtorch thread alone, then in two such JVMs at the same
 * time. Two executors can speed a step up by no more than two independent processes speed up their own
 * work; on a VM whose two vCPUs share caches, memory bandwidth and a host, that is less than 2.
 *
 * <p>Each child builds its model and warms up, prints {@code READY}, waits for a line on stdin, runs the
 * measured steps and prints {@code SECONDS_PER_STEP x}, so that the measured steps of both children overlap.
 */
public final class TwoProcessCeiling {

  private TwoProcessCeiling() {}

  /** Seconds per step of each of {@code processes} children run at once. */
  static double[] secondsPerStep(int processes, int steps) throws IOException, InterruptedException {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < processes; i++) {
      ProcessBuilder b = new ProcessBuilder(java, "-Dai.djl.offline=true", "-Doffline=true",
          "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1", "-Xmx1g",
          "-cp", System.getProperty("java.class.path"), TwoProcessCeiling.class.getName(), Integer.toString(steps));
      b.environment().put("OMP_NUM_THREADS", "1");
      b.redirectError(ProcessBuilder.Redirect.DISCARD);
      b.directory(Path.of(".").toFile());
      children.add(b.start());
    }
    List<BufferedReader> outs = new ArrayList<>();
    for (Process p : children) {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      expect(out, "READY");
      outs.add(out);
    }
    for (Process p : children) {
      OutputStream in = p.getOutputStream();
      in.write("GO\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
    double[] result = new double[processes];
    for (int i = 0; i < processes; i++) {
      String line = expect(outs.get(i), "SECONDS_PER_STEP ");
      result[i] = Double.parseDouble(line.substring("SECONDS_PER_STEP ".length()));
      children.get(i).waitFor();
    }
    return result;
  }

  private static String expect(BufferedReader out, String prefix) throws IOException {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new IOException("ceiling child ended before printing " + prefix.trim());
  }

  public static void main(String[] args) throws Exception {
    int steps = Integer.parseInt(args[0]);
    try (NDManager m = NDManager.newBaseManager();
        LlamaModel model = LlamaModel.random(m, SparkTrainerBenchmark.CONFIG, 3)) {
      model.addLora(SparkTrainerBenchmark.LORA, 4);
      List<DpoExample> data = ReferenceLogProbs.fill(model, SparkTrainerBenchmark.pairs(), 8);
      Map<String, HostTensor> weights = model.exportTrainable();
      BatchPlan plan = new BatchPlan(SparkTrainerBenchmark.PAIRS, SparkTrainerBenchmark.BATCH, 1);
      LocalDpoGradients local = new LocalDpoGradients(model, data, plan, 8, DpoLossConfig.sigmoid(0.1));
      for (int s = 0; s < SparkTrainerBenchmark.WARMUP; s++) {
        local.compute(s, weights);
      }
      System.out.println("READY");
      System.out.flush();
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      long t0 = System.nanoTime();
      for (int s = SparkTrainerBenchmark.WARMUP; s < SparkTrainerBenchmark.WARMUP + steps; s++) {
        local.compute(s, weights);
      }
      System.out.println("SECONDS_PER_STEP " + (System.nanoTime() - t0) / 1e9 / steps);
      System.out.flush();
    }
  }
}
