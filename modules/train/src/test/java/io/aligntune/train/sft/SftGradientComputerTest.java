package io.aligntune.train.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.loss.SftLossOutput;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import io.aligntune.train.step.GradientAccumulator;
import io.aligntune.train.step.SftStepMetrics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SftGradientComputerTest {

  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /**
   * The 0.6-not-0.75 rule on a real forward pass: an example of 2 supervised tokens the model finds likely
   * and one of 8 it finds unlikely, in different micro-batches and in different "partitions" (merged
   * accumulators). The reported loss must be Σ NLL / 10 computed independently from each example's logits,
   * which is far from the mean of the two per-example means.
   */
  @Test
  void lossIsTheGlobalNllSumOverTheGlobalTokenCount() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      model.setParameters(TinySft.perturbed(model, 3));
      SftExampleRow likely = completed(model, 0, new int[] {1, 7, 9, 11}, 2, true);
      SftExampleRow unlikely = completed(model, 1, new int[] {1, 8, 20}, 8, false);
      assertEquals(2, likely.supervisedCount());
      assertEquals(8, unlikely.supervisedCount());

      double[] a = TinySft.tokenNlls(model, likely);
      double[] b = TinySft.tokenNlls(model, unlikely);
      double tokenMean = (sum(a) + sum(b)) / 10;
      double meanOfMeans = (sum(a) / 2 + sum(b) / 8) / 2;
      System.out.printf("[sft-normalisation] per-token mean %.5f, mean of example means %.5f (A %.4f/tok, B %.4f/tok)%n",
          tokenMean, meanOfMeans, sum(a) / 2, sum(b) / 8);
      assertTrue(Math.abs(tokenMean - meanOfMeans) > 0.1, "the two examples must differ enough to tell the rules apart");

      List<SftExampleRow> both = List.of(likely, unlikely);
      GradientAccumulator separateMicroBatches = SftGradientComputer.compute(model, both, 1, 0);
      GradientAccumulator oneMicroBatch = SftGradientComputer.compute(model, both, 2, 0);
      GradientAccumulator twoPartitions = SftGradientComputer.compute(model, List.of(likely), 1, 0)
          .merge(SftGradientComputer.compute(model, List.of(unlikely), 1, 0));
      for (GradientAccumulator step : List.of(separateMicroBatches, oneMicroBatch, twoPartitions)) {
        assertEquals(10, step.tokenCount());
        assertEquals(sum(a) + sum(b), step.metricSum(SftLossOutput.LOSS_SUM_KEY), 1e-4);
        assertEquals(tokenMean, SftStepMetrics.from(step, 0, 0).loss(), 1e-5);
      }
    }
  }

  @Test
  void theEosClosingACompletionIsSupervisedEvenWhenItEqualsThePadId() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      // id 0 is what micro-batches pad with; as a supervised token it must still count
      SftExampleRow endsInPadId = new SftExampleRow(0, new int[] {1, 5, 6, 0},
          new boolean[] {false, false, true, true});
      SftExampleRow longer = TinySft.rows(1, 4, 1).get(0);
      GradientAccumulator step = SftGradientComputer.compute(model, List.of(endsInPadId, longer), 2, 0);
      assertEquals(2 + longer.supervisedCount(), step.tokenCount());
      assertEquals(sum(TinySft.tokenNlls(model, endsInPadId)) + sum(TinySft.tokenNlls(model, longer)),
          step.metricSum("loss"), 1e-4);
    }
  }

  @Test
  void microBatchOneTimesTwoEqualsTwoTimesOne() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      model.setParameters(TinySft.perturbed(model, 3));
      List<SftExampleRow> two = TinySft.rows(2, 7, 0);
      Map<String, HostTensor> oneByTwo =
          SftGradientComputer.compute(model, two, 1, 0).averageGradients(AverageOver.TOKENS);
      Map<String, HostTensor> twoByOne =
          SftGradientComputer.compute(model, two, 2, 0).averageGradients(AverageOver.TOKENS);
      assertTrue(TinySft.maxAbs(oneByTwo) > 1e-4, "gradient must be non-trivial");
      double diff = TinySft.maxDiff(oneByTwo, twoByOne);
      assertTrue(diff < 1e-5, "micro-batch 1x2 vs 2x1 differ by " + diff);

      List<SftExampleRow> six = TinySft.rows(6, 8, 0);
      double sixDiff = TinySft.maxDiff(
          SftGradientComputer.compute(model, six, 1, 0).averageGradients(AverageOver.TOKENS),
          SftGradientComputer.compute(model, six, 4, 0).averageGradients(AverageOver.TOKENS));
      assertTrue(sixDiff < 1e-5, "micro-batch 1x6 vs 4+2 differ by " + sixDiff);
    }
  }

  @Test
  void withDropoutTheSameSeedGivesIdenticalGradientsAndAnotherSeedDoesNot() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA_WITH_DROPOUT)) {
      model.setParameters(TinySft.perturbed(model, 3));
      List<SftExampleRow> rows = TinySft.rows(5, 9, 0);
      long seed = SftGradientComputer.stepSeed(42, 3);

      model.setDropout(0, 0);
      GradientAccumulator noDropoutAnywhereButLora = SftGradientComputer.compute(model, rows, 2, seed);
      model.setDropout(0.2, 0.1);
      GradientAccumulator first = SftGradientComputer.compute(model, rows, 2, seed);
      GradientAccumulator retry = SftGradientComputer.compute(model, rows, 2, seed);
      GradientAccumulator otherStep = SftGradientComputer.compute(model, rows, 2, SftGradientComputer.stepSeed(42, 4));
      model.setDropout(0, 0);

      assertEquals(first.metricSum("loss"), retry.metricSum("loss"), 0, "a retry must recompute the same loss");
      assertEquals(0, TinySft.maxDiff(grad(first), grad(retry)), "a retry must recompute identical gradients");
      assertTrue(TinySft.maxDiff(grad(first), grad(otherStep)) > 1e-4, "another step must draw other masks");
      assertTrue(TinySft.maxDiff(grad(first), grad(noDropoutAnywhereButLora)) > 1e-4, "dropout must be on");
    }
  }

  @Test
  void anExampleWithNoSupervisedTokenAddsNothing() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      model.setParameters(TinySft.perturbed(model, 3));
      List<SftExampleRow> rows = TinySft.rows(3, 10, 0);
      SftExampleRow promptOnly = new SftExampleRow(3, new int[] {1, 4, 5, 6}, new boolean[4]);
      SftExampleRow bosOnly = new SftExampleRow(4, new int[] {1}, new boolean[1]);
      List<SftExampleRow> mixed = List.of(rows.get(0), promptOnly, rows.get(1), bosOnly, rows.get(2));

      GradientAccumulator clean = SftGradientComputer.compute(model, rows, 2, 0);
      GradientAccumulator withTruncated = SftGradientComputer.compute(model, mixed, 2, 0);
      assertEquals(clean.tokenCount(), withTruncated.tokenCount());
      double loss = SftStepMetrics.from(withTruncated, 0, 0).loss();
      assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
      assertEquals(SftStepMetrics.from(clean, 0, 0).loss(), loss, 1e-6);
      assertTrue(TinySft.maxDiff(grad(clean), grad(withTruncated)) < 1e-6);

      GradientAccumulator nothing = SftGradientComputer.compute(model, List.of(promptOnly, bosOnly), 2, 0);
      assertEquals(0, nothing.tokenCount());
      assertTrue(nothing.isEmpty(), "a partition of truncated examples is the identity of merge");
      assertThrows(IllegalStateException.class, () -> SftStepMetrics.from(nothing, 0, 0));
    }
  }

  @Test
  void aStepOfOnlyTruncatedExamplesIsAClearError() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      List<SftExampleRow> data = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        data.add(new SftExampleRow(i, new int[] {1, 4 + i, 5}, new boolean[3]));
      }
      BatchPlan plan = new BatchPlan(4, 2, 1);
      LocalSftGradients gradients = new LocalSftGradients(model, data, plan, 2, 1);
      TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(2, 1.0,
          LearningRateSchedule.fromConfig("constant", 1e-3, 0, 2, 0), AverageOver.TOKENS, SftMetricsFormula.INSTANCE),
          List.of());
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> loop.run(new TrainingState(model.exportTrainable(), new AdamW(AdamW.Settings.defaults()), 0), gradients));
      assertTrue(e.getMessage().contains("none of the 2 examples") && e.getMessage().contains("supervised token"),
          e.getMessage());
    }
  }

  /** d Σ NLL / dw by autograd equals the central difference of the summed NLL (forward passes only). */
  @Test
  void gradientIsThatOfTheSummedNll() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      Map<String, HostTensor> w = TinySft.perturbed(model, 9);
      model.setParameters(w);
      List<SftExampleRow> rows = TinySft.rows(3, 11, 0);
      GradientAccumulator step = SftGradientComputer.compute(model, rows, 2, 0);
      int checked = 0;
      for (String name : new String[] {"model.layers.0.self_attn.q_proj.lora_A.weight",
          "model.layers.1.mlp.up_proj.lora_B.weight", "model.layers.1.self_attn.o_proj.lora_B.weight"}) {
        float[] analytic = step.gradientSum(name).data();
        for (int i : new int[] {0, 5, 17}) {
          float original = w.get(name).data()[i];
          double eps = 1e-2;
          w.get(name).data()[i] = (float) (original + eps);
          model.setParameters(w);
          double plus = SftEvalComputer.compute(model, rows, 3).nllSum();
          w.get(name).data()[i] = (float) (original - eps);
          model.setParameters(w);
          double minus = SftEvalComputer.compute(model, rows, 3).nllSum();
          w.get(name).data()[i] = original;
          double numeric = (plus - minus) / (2 * eps);
          assertEquals(numeric, analytic[i], 3e-3 + 0.02 * Math.abs(numeric), name + "[" + i + "]");
          checked++;
        }
      }
      assertEquals(9, checked);
    }
  }

  @Test
  void evaluationMatchesTheTrainingLossWithDropoutOff() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      model.setParameters(TinySft.perturbed(model, 3));
      List<SftExampleRow> rows = TinySft.rows(5, 12, 0);
      GradientAccumulator step = SftGradientComputer.compute(model, rows, 2, 0);
      TokenNll eval = SftEvalComputer.compute(model, rows, 3);
      assertEquals(step.tokenCount(), eval.tokens());
      assertEquals(step.metricSum("loss"), eval.nllSum(), 1e-4);
      assertThrows(IllegalStateException.class,
          () -> SftEvalComputer.compute(model, List.of(new SftExampleRow(0, new int[] {1, 3}, new boolean[2])), 1).mean());
    }
  }

  /**
   * Autograd keeps some forward tensors for the backward pass. If any of them lives in a Java direct buffer
   * that was closed during the forward pass (DJL's mul/div by a Java number wraps it with torch::from_blob),
   * a GC between forward and backward frees it and the gradient reads freed memory: NaN or 1e30 LoRA
   * gradients, seen here on the first step of a JVM about half the time. Forcing a GC (and reusing the
   * freed memory) in that window must not change the gradient.
   */
  @Test
  void aGarbageCollectionBetweenForwardAndBackwardLeavesTheGradientUnchanged() throws InterruptedException {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      Map<String, HostTensor> w = TinySft.perturbed(model, 3);
      List<SftExampleRow> rows = TinySft.rows(6, 21, 0);
      Map<String, HostTensor> reference = null;
      for (boolean collect : new boolean[] {false, true, true}) {
        model.setParameters(w);
        try (NDManager scratch = model.manager().newSubManager();
            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          SftLossOutput loss = SftMicroBatch.loss(model, scratch, rows, true);
          if (collect) {
            System.gc();
            Thread.sleep(100);
            for (int i = 0; i < 2000; i++) { // reuse the freed native memory, so stale reads show
              ByteBuffer.allocateDirect(8).putFloat(0, 1e30f).putFloat(4, Float.NaN);
            }
          }
          collector.backward(loss.nllSum());
        }
        Map<String, HostTensor> g = model.readGradients();
        if (reference == null) {
          reference = g;
        } else {
          assertEquals(0, TinySft.maxDiff(reference, g), 1e-6, "gradient changed by a GC between forward and backward");
        }
      }
    }
  }

  private static Map<String, HostTensor> grad(GradientAccumulator step) {
    return step.averageGradients(AverageOver.TOKENS);
  }

  private static double sum(double[] values) {
    return Arrays.stream(values).sum();
  }

  /**
   * {@code prompt} (unsupervised) followed by {@code n} supervised tokens, each the model's most likely
   * ({@code likely}) or least likely next token: a low- or high-loss completion.
   */
  private static SftExampleRow completed(LlamaModel model, int index, int[] prompt, int n, boolean likely) {
    int[] ids = Arrays.copyOf(prompt, prompt.length + n);
    for (int t = prompt.length; t < ids.length; t++) {
      try (NDManager scratch = model.manager().newSubManager()) {
        long[] prefix = new long[t];
        for (int i = 0; i < t; i++) {
          prefix[i] = ids[i];
        }
        NDArray logits = model.forward(scratch.create(prefix, new Shape(1, t)), null, null, null, false);
        NDArray last = logits.get("0, -1, :");
        ids[t] = (int) (likely ? last.argMax() : last.argMin()).getLong();
      }
    }
    boolean[] supervised = new boolean[ids.length];
    Arrays.fill(supervised, prompt.length, ids.length, true);
    return new SftExampleRow(index, ids, supervised);
  }
}
