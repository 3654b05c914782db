package io.aligntune.train.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SftTrainerTest {

  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Every record, a copy of the weights after every step, and the weights onFinish saw. */
  static final class Recorder implements StepListener {
    final List<StepRecord> records = new ArrayList<>();
    final Map<Long, Map<String, HostTensor>> weightsAfter = new HashMap<>();
    Map<String, HostTensor> finished;
    int finishes;

    @Override
    public void onStep(StepRecord record, TrainingState state) {
      records.add(record);
      weightsAfter.put(state.completedSteps(), TinySft.copy(state.weights()));
    }

    @Override
    public void onFinish(TrainingState state) {
      finished = TinySft.copy(state.weights());
      finishes++;
    }
  }

  static TrainingLoop.Settings settings(long total, double lr) {
    return new TrainingLoop.Settings(total, 1.0, LearningRateSchedule.fromConfig("cosine", lr, 1, total, 0.1),
        AverageOver.TOKENS, SftMetricsFormula.INSTANCE);
  }

  /**
   * Trained on "5 5 5 …", validated on "5 7 5 7 …" at a high learning rate: raising p(5) first lowers the
   * eval loss (half its tokens are 5), then pushing p(7) towards 0 raises it. The run must stop
   * {@code patience} evaluations after the best and end with exactly the best evaluation's weights.
   */
  @Test
  void earlyStoppingStopsAfterPatienceAndRestoresTheBestWeightsExactly() {
    int patience = 2;
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      List<SftExampleRow> train = TinySft.constantRows(4, 5, 10, 0);
      List<SftExampleRow> validation = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int[] ids = new int[10];
        ids[0] = 1;
        for (int t = 1; t < ids.length; t++) {
          ids[t] = (t + i) % 2 == 0 ? 5 : 7;
        }
        validation.add(SftExampleRow.allSupervised(i, ids));
      }
      BatchPlan plan = new BatchPlan(train.size(), 2, 3);
      long total = SftTrainer.totalSteps(plan, 20);
      assertEquals(40, total);
      SftValidation v = new SftValidation(new LocalEvalLoss(model, validation, 3),
          new SftValidation.Settings(2, patience, 0, true, true));
      Recorder recorder = new Recorder();
      SftTrainer trainer = new SftTrainer(settings(total, 0.05), v, List.of(recorder));
      Map<String, HostTensor> initial = model.exportTrainable();
      TrainingState state = trainer.run(new TrainingState(TinySft.copy(initial), new AdamW(AdamW.Settings.defaults()), 0),
          new LocalSftGradients(model, train, plan, 2, 3));

      List<SftValidation.Evaluation> evals = v.evaluations();
      System.out.println("[sft-early-stopping] eval losses " + evals.stream()
          .map(e -> e.completedSteps() + ":" + String.format("%.4f", e.loss())).toList());
      SftValidation.Evaluation best = v.best().orElseThrow();
      int bestAt = evals.indexOf(best);
      assertTrue(trainer.stoppedEarly(), "eval loss rose, the run must stop before step " + total);
      assertTrue(bestAt > 0 && bestAt < evals.size() - 1, "best must be mid-run, was evaluation " + bestAt);
      assertEquals(patience, evals.size() - 1 - bestAt, "stops after exactly `patience` evaluations past the best");
      assertEquals(evals.get(evals.size() - 1).completedSteps(), state.completedSteps());
      assertTrue(best.loss() < evals.get(0).loss() && best.loss() < evals.get(evals.size() - 1).loss());

      assertEquals(0, TinySft.maxDiff(recorder.weightsAfter.get(best.completedSteps()), state.weights()),
          "final weights must be exactly those of the best evaluation");
      assertTrue(TinySft.maxDiff(recorder.weightsAfter.get(state.completedSteps()), state.weights()) > 1e-4,
          "the last step's weights were replaced");
      assertEquals(1, recorder.finishes);
      assertEquals(0, TinySft.maxDiff(recorder.finished, state.weights()), "onFinish sees the restored weights");

      // the listeners saw one record per step, the run's total, eval_loss exactly where evaluated
      assertEquals(state.completedSteps(), recorder.records.size());
      for (StepRecord r : recorder.records) {
        assertEquals(r.step(), recorder.records.indexOf(r));
        assertEquals(total, r.totalSteps());
        assertEquals((r.step() + 1) % 2 == 0, r.metrics().containsKey(SftTrainer.EVAL_LOSS), "step " + r.step());
      }
    }
  }

  /** Running in segments is invisible: the same trajectory as one uninterrupted loop. */
  @Test
  void segmentsAtEvaluationStepsDoNotChangeTraining() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      List<SftExampleRow> train = TinySft.rows(6, 21, 0);
      BatchPlan plan = new BatchPlan(train.size(), 4, 5);
      long total = SftTrainer.totalSteps(plan, 3);
      assertEquals(6, total);
      Map<String, HostTensor> initial = model.exportTrainable();
      LocalSftGradients gradients = new LocalSftGradients(model, train, plan, 2, 5);

      Recorder plain = new Recorder();
      new TrainingLoop(settings(total, 0.02), List.of(plain))
          .run(new TrainingState(TinySft.copy(initial), new AdamW(AdamW.Settings.defaults()), 0), gradients);
      Recorder segmented = new Recorder();
      SftValidation neverStops = new SftValidation(new LocalEvalLoss(model, TinySft.rows(2, 22, 0), 2),
          new SftValidation.Settings(4, 0, 0, false, false));
      TrainingState state = new SftTrainer(settings(total, 0.02), neverStops, List.of(segmented))
          .run(new TrainingState(TinySft.copy(initial), new AdamW(AdamW.Settings.defaults()), 0), gradients);

      assertEquals(total, state.completedSteps());
      assertEquals(List.of(4L, 6L), neverStops.evaluations().stream().map(e -> e.completedSteps()).toList());
      for (int s = 0; s < total; s++) {
        StepRecord a = plain.records.get(s);
        StepRecord b = segmented.records.get(s);
        assertEquals(a.metric("loss"), b.metric("loss"), 0, "loss at step " + s);
        assertEquals(a.metric("learning_rate"), b.metric("learning_rate"), 0, "lr at step " + s);
        assertEquals(a.metric("num_tokens"), b.metric("num_tokens"), 0);
      }
      assertEquals(0, TinySft.maxDiff(plain.weightsAfter.get(total), state.weights()));
      assertTrue(plain.records.get((int) total - 1).metric("loss") < plain.records.get(0).metric("loss"));
      assertFalse(plain.records.get(0).metrics().containsKey(SftTrainer.EVAL_LOSS));
    }
  }

  /** Every example is trained on once per epoch: epochs × steps per epoch, the last step of an epoch short. */
  @Test
  void epochsVisitEveryExampleOncePerEpoch() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      List<SftExampleRow> train = TinySft.rows(5, 23, 0);
      BatchPlan plan = new BatchPlan(train.size(), 2, 8);
      long total = SftTrainer.totalSteps(plan, 2);
      assertEquals(6, total);
      LocalSftGradients local = new LocalSftGradients(model, train, plan, 2, 8);
      int[] seen = new int[train.size()];
      StepGradients counting = (step, weights) -> {
        for (int i : plan.examplesOf(step)) {
          seen[i]++;
        }
        return local.compute(step, weights);
      };
      long expectedTokens = 2L * train.stream().mapToInt(SftExampleRow::supervisedCount).sum();
      Recorder recorder = new Recorder();
      new SftTrainer(settings(total, 0.01), null, List.of(recorder))
          .run(new TrainingState(model.exportTrainable(), new AdamW(AdamW.Settings.defaults()), 0), counting);
      assertEquals(List.of(2, 2, 2, 2, 2), java.util.Arrays.stream(seen).boxed().toList());
      assertEquals(expectedTokens, recorder.records.stream().mapToDouble(r -> r.metric("num_tokens")).sum(), 0);
    }
  }

  @Test
  void refusesPairAveraging() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new SftTrainer(
        new TrainingLoop.Settings(1, 1, LearningRateSchedule.fromConfig("constant", 1e-3, 0, 1, 0), AverageOver.PAIRS,
            SftMetricsFormula.INSTANCE), null, List.of()));
  }


  @Test
  void theEpochCapIsExplainedOnlyWhenItBindsBeforeMaxSteps() {
    BatchPlan plan = new BatchPlan(6, 2, 1); // 3 steps per epoch
    assertEquals("9 steps, not max_steps 10: max_epochs 3 × 3 steps per epoch", SftTrainer.epochCap(10, plan, 3));
    assertEquals(null, SftTrainer.epochCap(9, plan, 3), "max_epochs gives exactly max_steps: nothing to explain");
    assertEquals(null, SftTrainer.epochCap(4, plan, 3), "max_steps binds first");
  }
}
