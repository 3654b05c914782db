package io.aligntune.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.LogProbs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Forward+backward training throughput (tokens/s) of {@link LlamaModel} on DJL's PyTorch engine, for a
 * random stories15M-shaped model ({@link LlamaConfig#stories15M()}). Not a test and not JMH: one coarse,
 * wall-clock measurement meant to be compared with {@code pytorch_llama.py} (the same architecture in plain
 * PyTorch) in the same run, by {@code modules/bench/run-model-bench.sh}.
 *
 * <p>One step = a random batch of token ids, forward under a gradient collector, loss = mean next-token
 * cross-entropy over positions 1..T-1, backward. The gradient lifecycle the trainers use around it, {@link
 * LlamaModel#resetGradients()} before (exports every weight to the host and re-creates it, so that the
 * gradient starts from zero) and {@link LlamaModel#readGradients()} after (copies every gradient to the Java
 * heap), is timed separately and is not part of the headline tokens/s; it is reported as {@code
 * host_copy_ms} and in {@code tok_s_with_copy}. The headline {@code tok_s} and {@code step_ms} use the
 * median measured step (robust to a neighbour process stealing a core for one step); {@code tok_s_mean} and
 * {@code tok_s_best} are printed too. Each step also reports {@code other_cores}, the CPU other processes
 * took meanwhile (from /proc), and {@code cpu_ms}, this process's own CPU time.
 *
 * <p>Options ({@code --name value}): {@code batch} (8), {@code seq} (256), {@code warmup} (2), {@code steps}
 * (5), {@code threads} (2: libtorch intra-op threads, applied through the system property {@code
 * ai.djl.pytorch.num_threads} before the engine loads), {@code seed} (42), {@code loss} ({@code ce}: cross
 * entropy from {@link LlamaModel#forward} logits, or {@code logprobs}: through {@link LogProbs#sums}, the
 * trainers' path, which adds an all-ones padding mask; or {@code ce-noslice}: a diagnostic that avoids
 * slicing the logits), {@code profile} (a path: writes libtorch's profiler trace, Chrome JSON with input
 * shapes, of the measured steps).
 *
 * <p>Prints one line {@code RESULT impl=djl key=value ...}, the same keys as the Python side.
 */
public final class ModelThroughputBenchmark {

  private ModelThroughputBenchmark() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    // Must be set before the PyTorch engine is first touched: PtEngine reads them once when it loads.
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(o.threads));
    }
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    Engine engine = Engine.getEngine("PyTorch");
    int intra = JniUtils.getNumThreads();
    int inter = JniUtils.getNumInteropThreads();
    System.out.printf(Locale.ROOT, "INFO impl=djl engine=%s-%s loss_fn=%s intra_op_threads=%d inter_op_threads=%d "
            + "OMP_NUM_THREADS=%s java=%s%n",
        engine.getEngineName(), engine.getVersion(), o.loss, intra, inter, System.getenv("OMP_NUM_THREADS"),
        System.getProperty("java.version"));
    if (intra != o.threads) {
      System.out.printf(Locale.ROOT, "WARN libtorch reports %d intra-op threads, %d were asked for%n", intra, o.threads);
    }

    LlamaConfig config = LlamaConfig.stories15M();
    long params = config.parameterCount();
    long tokensPerStep = (long) o.batch * o.seq;
    try (NDManager root = NDManager.newBaseManager(engine.defaultDevice(), engine.getEngineName());
        LlamaModel model = LlamaModel.random(root, config, o.seed)) {
      model.setFullFineTuning(true);
      SplittableRandom random = new SplittableRandom(o.seed);

      List<double[]> measured = new ArrayList<>(); // {fwd, bwd, gradient host copy, reset} in ms, other cores
      double lastLoss = Double.NaN;
      for (int step = 0; step < o.warmup + o.steps; step++) {
        boolean measuring = step >= o.warmup;
        if (measuring && step == o.warmup && o.profile != null) {
          JniUtils.startProfile(false, true, true); // (useCuda, recordShapes, profileMemory)
        }
        double[] t = new double[6];
        long[] cpu0 = CpuSample.read();
        long r0 = System.nanoTime();
        model.resetGradients(); // fresh parameter arrays: the gradient starts from zero (the trainers' lifecycle)
        t[3] = (System.nanoTime() - r0) / 1e6;
        try (NDManager scratch = root.newSubManager()) {
          long[] ids = new long[(int) tokensPerStep];
          for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(config.vocabSize());
          }
          long t0 = System.nanoTime();
          long t1;
          try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray loss = switch (o.loss) {
              case "logprobs" -> logProbsLoss(model, scratch, ids, o);
              case "ce-noslice" -> crossEntropyNoSlice(model, scratch, ids, o);
              default -> crossEntropyLoss(model, scratch, ids, o);
            };
            t1 = System.nanoTime();
            gc.backward(loss);
            lastLoss = loss.getFloat();
          }
          long t2 = System.nanoTime();
          model.readGradients(); // copy of every gradient to the Java heap
          long t3 = System.nanoTime();
          t[0] = (t1 - t0) / 1e6;
          t[1] = (t2 - t1) / 1e6;
          t[2] = (t3 - t2) / 1e6;
        }
        long[] cpu1 = CpuSample.read();
        t[4] = CpuSample.otherCores(cpu0, cpu1);
        t[5] = CpuSample.ownCpuMs(cpu0, cpu1);
        System.out.printf(Locale.ROOT, "STEP impl=djl step=%d %s fwd_ms=%.1f bwd_ms=%.1f host_copy_ms=%.1f "
                + "(read_gradients %.1f + reset_gradients %.1f) loss=%.4f other_cores=%.2f cpu_ms=%.0f%n",
            step, measuring ? "measured" : "warmup", t[0], t[1], t[2] + t[3], t[2], t[3], lastLoss, t[4], t[5]);
        if (measuring) {
          measured.add(t);
        }
      }
      if (o.profile != null) {
        JniUtils.stopProfile(o.profile);
      }

      double fwd = 0;
      double bwd = 0;
      double copy = 0;
      for (double[] t : measured) {
        fwd += t[0];
        bwd += t[1];
        copy += t[2] + t[3];
      }
      int n = measured.size();
      double[] steps = measured.stream().mapToDouble(t -> t[0] + t[1]).sorted().toArray();
      double median = n % 2 == 1 ? steps[n / 2] : (steps[n / 2 - 1] + steps[n / 2]) / 2;
      double best = steps[0];
      double others = measured.stream().mapToDouble(t -> t[4]).max().orElse(Double.NaN);
      double meanMs = (fwd + bwd) / n;
      double tokS = tokensPerStep / (median / 1e3);
      double gflops = 6.0 * params * tokS / 1e9;
      System.out.printf(Locale.ROOT,
          "RESULT impl=djl threads=%d batch=%d seq=%d warmup=%d steps=%d params=%d fwd_ms=%.1f bwd_ms=%.1f "
              + "step_ms=%.1f tok_s=%.1f gflops=%.2f tok_s_mean=%.1f tok_s_best=%.1f host_copy_ms=%.1f "
              + "tok_s_with_copy=%.1f loss=%.4f loadavg=%s max_other_cores=%.2f%n",
          intra, o.batch, o.seq, o.warmup, o.steps, params, fwd / n, bwd / n, median, tokS, gflops,
          tokensPerStep / (meanMs / 1e3), tokensPerStep / (best / 1e3), copy / n,
          tokensPerStep / ((fwd + bwd + copy) / n / 1e3), lastLoss, loadAverage(), others);
    }
  }

  /** The 1-minute load average (other processes on the machine skew a wall-clock benchmark). */
  static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * CPU taken by other processes while a step ran, from /proc (Linux): (machine busy time − this process's
   * CPU time) / wall time, in cores. Near 0 on a quiet machine; 1 means a neighbour held a whole core.
   */
  static final class CpuSample {
    private CpuSample() {}

    /** {machine busy ticks, machine total ticks, this process's ticks}; null when /proc is unreadable. */
    static long[] read() {
      try {
        String[] cpu = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(cpu.length, 9); i++) {
          total += Long.parseLong(cpu[i]);
        }
        long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
        String self = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
        String[] f = self.substring(self.lastIndexOf(')') + 2).split(" ");
        long mine = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        return new long[] {total - idle, total, mine};
      } catch (java.io.IOException | RuntimeException e) {
        return null;
      }
    }

    /** CPU time this process used between two samples (all threads, user + system), in ms. */
    static double ownCpuMs(long[] before, long[] after) {
      return before == null || after == null ? Double.NaN : (after[2] - before[2]) * 10.0; // USER_HZ = 100
    }

    static double otherCores(long[] before, long[] after) {
      if (before == null || after == null || after[1] == before[1]) {
        return Double.NaN;
      }
      int cores = Runtime.getRuntime().availableProcessors();
      double others = (after[0] - before[0]) - (after[2] - before[2]);
      return Math.max(0, others) / (after[1] - before[1]) * cores;
    }
  }

  /** Mean next-token cross-entropy, computed directly from the logits (no padding mask). */
  private static NDArray crossEntropyLoss(LlamaModel model, NDManager scratch, long[] ids, Options o) {
    NDArray input = scratch.create(ids, new Shape(o.batch, o.seq));
    NDArray logits = model.forward(input, null, null, null, true);
    NDArray logp = logits.get(":, :-1, :").logSoftmax(-1);
    NDArray targets = input.get(":, 1:").expandDims(2);
    return logp.gather(targets, 2).mean().neg();
  }

  /**
   * Diagnostic: the same loss without slicing the [B, T, vocab] logits. Every DJL slice of the logits
   * becomes, in backward, a zero-filled vocab-sized tensor plus a copy (DJL's {@code get(":, :-1, :")}
   * slices all three dimensions); here the log-softmax covers all T positions and the last one is masked.
   */
  private static NDArray crossEntropyNoSlice(LlamaModel model, NDManager scratch, long[] ids, Options o) {
    NDArray input = scratch.create(ids, new Shape(o.batch, o.seq));
    long[] next = new long[ids.length];
    float[] keep = new float[ids.length];
    for (int r = 0; r < o.batch; r++) {
      for (int c = 0; c + 1 < o.seq; c++) {
        next[r * o.seq + c] = ids[r * o.seq + c + 1];
        keep[r * o.seq + c] = 1f;
      }
    }
    NDArray logits = model.forward(input, null, null, null, true);
    NDArray picked = logits.logSoftmax(-1).gather(scratch.create(next, new Shape(o.batch, o.seq, 1)), 2)
        .reshape(o.batch, o.seq);
    return picked.mul(scratch.create(keep, new Shape(o.batch, o.seq))).sum().div((float) o.batch * (o.seq - 1)).neg();
  }

  /** The same loss through {@link LogProbs#sums} (scored from position 1), the path the trainers take. */
  private static NDArray logProbsLoss(LlamaModel model, NDManager scratch, long[] ids, Options o) {
    List<int[]> rows = new ArrayList<>();
    for (int r = 0; r < o.batch; r++) {
      int[] row = new int[o.seq];
      for (int c = 0; c < o.seq; c++) {
        row[c] = (int) ids[r * o.seq + c];
      }
      rows.add(row);
    }
    int[] from = new int[o.batch];
    Arrays.fill(from, 1);
    LogProbs.Result result = LogProbs.sums(model, scratch, new LogProbs.Batch(rows, from), true);
    return result.sums().sum().div((float) ((long) o.batch * (o.seq - 1))).neg();
  }

  private static final class Options {
    int batch = 8;
    int seq = 256;
    int warmup = 2;
    int steps = 5;
    int threads = 2;
    long seed = 42;
    String loss = "ce";
    String profile;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (name.equals("--help") || name.equals("-h")) {
          System.out.println("usage: ModelThroughputBenchmark [--batch 8] [--seq 256] [--warmup 2] [--steps 5] "
              + "[--threads 2] [--seed 42] [--loss ce|logprobs|ce-noslice] [--profile trace.json]");
          System.exit(0);
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + name + " needs a value");
        }
        String value = args[++i];
        switch (name) {
          case "--batch" -> o.batch = positive(name, value);
          case "--seq" -> o.seq = positive(name, value);
          case "--warmup" -> o.warmup = Integer.parseInt(value);
          case "--steps" -> o.steps = positive(name, value);
          case "--threads" -> o.threads = positive(name, value);
          case "--seed" -> o.seed = Long.parseLong(value);
          case "--loss" -> {
            if (!List.of("ce", "logprobs", "ce-noslice").contains(value)) {
              throw new IllegalArgumentException("--loss must be ce, logprobs or ce-noslice, got " + value);
            }
            o.loss = value;
          }
          case "--profile" -> o.profile = value;
          default -> throw new IllegalArgumentException("unknown option " + name + " (try --help)");
        }
      }
      if (o.seq < 2) {
        throw new IllegalArgumentException("--seq must be at least 2 (next-token loss)");
      }
      return o;
    }

    private static int positive(String name, String value) {
      int v = Integer.parseInt(value);
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
      return v;
    }
  }
}
