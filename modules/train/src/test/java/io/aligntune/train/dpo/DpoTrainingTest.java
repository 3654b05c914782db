package io.aligntune.train.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.LogProbs;
import io.aligntune.train.checkpoint.CheckpointWriter;
import io.aligntune.train.checkpoint.LocalCheckpointStore;
import io.aligntune.train.checkpoint.TrainingCheckpoint;
import io.aligntune.train.compute.DpoGradientComputer;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.MetricsFormula;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import io.aligntune.train.step.DpoStepMetrics;
import io.aligntune.train.step.GradientAccumulator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DpoTrainingTest {

  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static LlamaModel policy() {
    LlamaModel model = LlamaModel.random(manager, TinyDpoFixture.CONFIG, 11);
    model.addLora(TinyDpoFixture.LORA, 5);
    return model;
  }

  /** Adapters with non-zero B, so the policy differs from the reference. */
  static Map<String, HostTensor> perturbed(LlamaModel model, long seed) {
    Map<String, HostTensor> w = model.exportTrainable();
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    w.forEach((name, t) -> {
      if (name.contains("lora_B")) {
        for (int i = 0; i < t.data().length; i++) {
          t.data()[i] = (float) ((r.nextDouble() - 0.5) * 0.3);
        }
      }
    });
    return w;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void stepZeroWithPolicyEqualToReferenceGivesLn2AndZeroRewards(int microBatch) {
    try (LlamaModel model = policy()) {
      List<DpoExample> data = ReferenceLogProbs.fill(model, TinyDpoFixture.examples(8, 1), 3);
      GradientAccumulator step = DpoGradientComputer.compute(model, data, microBatch, DpoLossConfig.sigmoid(0.1));
      DpoStepMetrics m = DpoStepMetrics.from(step, 0, 0);
      assertEquals(Math.log(2), m.loss(), 1e-6);
      assertEquals(0, m.rewardsChosen(), 1e-6);
      assertEquals(0, m.rewardsRejected(), 1e-6);
      assertEquals(0, m.rewardsMargins(), 1e-6);
      // rewards/accuracies is not asserted: it counts chosen > rejected strictly, and rewards of ±1e-9 (the
      // reference was scored in a differently padded batch) break the tie either way
      assertEquals(8, m.numPairs());
    }
  }

  @Test
  void microBatchOneTimesFourEqualsFourTimesOne() {
    try (LlamaModel model = policy()) {
      List<DpoExample> data = ReferenceLogProbs.fill(model, TinyDpoFixture.examples(4, 2), 4);
      model.setParameters(perturbed(model, 3));
      DpoLossConfig loss = DpoLossConfig.sigmoid(0.5);
      Map<String, HostTensor> one = DpoGradientComputer.compute(model, data, 1, loss).averageGradients(AverageOver.PAIRS);
      Map<String, HostTensor> four = DpoGradientComputer.compute(model, data, 4, loss).averageGradients(AverageOver.PAIRS);
      double maxDiff = 0;
      double maxAbs = 0;
      for (String name : one.keySet()) {
        float[] a = one.get(name).data();
        float[] b = four.get(name).data();
        for (int i = 0; i < a.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
          maxAbs = Math.max(maxAbs, Math.abs(a[i]));
        }
      }
      assertTrue(maxAbs > 1e-4, "gradient must be non-trivial, max |g| = " + maxAbs);
      assertTrue(maxDiff < 1e-5, "micro-batch 1x4 vs 4x1 differ by " + maxDiff);
    }
  }

  @Test
  void analyticGradientMatchesFiniteDifferences() {
    try (LlamaModel model = policy()) {
      List<DpoExample> data = ReferenceLogProbs.fill(model, TinyDpoFixture.examples(3, 4), 3);
      Map<String, HostTensor> w = perturbed(model, 9);
      model.setParameters(w);
      DpoLossConfig loss = DpoLossConfig.sigmoid(1.0);
      Map<String, HostTensor> grad = DpoGradientComputer.compute(model, data, 3, loss).averageGradients(AverageOver.PAIRS);
      int checked = 0;
      for (String name : new String[] {"model.layers.0.self_attn.q_proj.lora_A.weight",
          "model.layers.1.mlp.up_proj.lora_B.weight", "model.layers.1.self_attn.v_proj.lora_B.weight"}) {
        for (int i : new int[] {0, 5, 17}) {
          float original = w.get(name).data()[i];
          double eps = 1e-2;
          w.get(name).data()[i] = (float) (original + eps);
          double plus = meanLoss(model, w, data, loss);
          w.get(name).data()[i] = (float) (original - eps);
          double minus = meanLoss(model, w, data, loss);
          w.get(name).data()[i] = original;
          double numeric = (plus - minus) / (2 * eps);
          double analytic = grad.get(name).data()[i];
          assertEquals(numeric, analytic, 2e-3 + 0.02 * Math.abs(numeric), name + "[" + i + "]");
          checked++;
        }
      }
      model.setParameters(w);
      assertEquals(9, checked);
    }
  }

  /** Mean sigmoid-DPO loss computed from forward passes only (no autograd), in double. */
  static double meanLoss(LlamaModel model, Map<String, HostTensor> w, List<DpoExample> data, DpoLossConfig loss) {
    model.setParameters(w);
    double total = 0;
    for (DpoExample e : data) {
      float[] s = LogProbs.score(model, new LogProbs.Batch(List.of(e.chosen(), e.rejected()),
          new int[] {e.promptLength(), e.promptLength()}));
      double h = (s[0] - e.referenceChosen()) - (s[1] - e.referenceRejected());
      total += Math.log1p(Math.exp(-loss.beta() * h));
    }
    return total / data.size();
  }

  /** Collects every step's record. */
  static final class Recorder implements StepListener {
    final List<StepRecord> records = new ArrayList<>();

    @Override
    public void onStep(StepRecord record, TrainingState state) {
      records.add(record);
    }
  }

  static TrainingLoop loop(long total, List<StepListener> listeners) {
    return new TrainingLoop(new TrainingLoop.Settings(total, 1.0,
        LearningRateSchedule.fromConfig("cosine", 5e-2, 2, total, 0.1), AverageOver.PAIRS, MetricsFormula.dpo()),
        listeners);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 4}) // 12 pairs, batch 4: 3 steps per epoch, so k = 3 is an epoch boundary
  void resumeFromCheckpointGivesTheSameLossesAndRates(int k, @TempDir Path dir) throws Exception {
    int total = 8;
    AdamW.Settings adam = new AdamW.Settings(0.9, 0.999, 1e-8, 0.01);
    List<StepRecord> uninterrupted;
    List<StepRecord> resumed = new ArrayList<>();
    try (LlamaModel model = policy()) {
      List<DpoExample> data = ReferenceLogProbs.fill(model, TinyDpoFixture.examples(12, 6), 4);
      BatchPlan plan = new BatchPlan(data.size(), 4, 77);
      Map<String, HostTensor> start = model.exportTrainable();
      LocalDpoGradients gradients = new LocalDpoGradients(model, data, plan, 2, DpoLossConfig.sigmoid(0.1));

      Recorder full = new Recorder();
      LocalCheckpointStore store = new LocalCheckpointStore(dir.resolve("ckpt"));
      loop(total, List.of(full, new CheckpointWriter(store, k, 77, "hash", plan)))
          .run(new TrainingState(copy(start), new AdamW(adam), 0), gradients);
      uninterrupted = full.records;

      // a new "process": state only from the checkpoint written after step k
      TrainingCheckpoint ckpt = TrainingCheckpoint.readFrom(store.fetch(k, dir));
      assertEquals(k, ckpt.completedSteps());
      assertEquals(plan.epochOf(k), ckpt.epoch());
      Recorder after = new Recorder();
      loop(total, List.of(after)).run(new TrainingState(ckpt.weights(),
          AdamW.resume(adam, name -> true, ckpt.optimizer()), ckpt.completedSteps()), gradients);
      resumed.addAll(after.records);
    }
    assertEquals(total - k, resumed.size());
    for (StepRecord r : resumed) {
      StepRecord u = uninterrupted.get((int) r.step());
      assertEquals(u.metric("loss"), r.metric("loss"), 1e-6, "loss at step " + r.step());
      assertEquals(u.metric("learning_rate"), r.metric("learning_rate"), 0, "lr at step " + r.step());
      assertEquals(u.metric("grad_norm"), r.metric("grad_norm"), 1e-6, "grad norm at step " + r.step());
    }
    // and training moved: the loss changed from ln 2
    assertTrue(Math.abs(uninterrupted.get(total - 1).metric("loss") - Math.log(2)) > 1e-3);
  }

  static Map<String, HostTensor> copy(Map<String, HostTensor> w) {
    Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
    w.forEach((k, v) -> out.put(k, v.copy()));
    return out;
  }
}
