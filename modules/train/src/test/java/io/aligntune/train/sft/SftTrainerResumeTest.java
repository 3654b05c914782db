package io.aligntune.train.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.checkpoint.CheckpointWriter;
import io.aligntune.train.checkpoint.LocalCheckpointStore;
import io.aligntune.train.checkpoint.TrainingCheckpoint;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.MetricsHistory;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SFT run with early stopping, resumed from its own checkpoints (single process, LoRA and residual
 * dropout on): from every checkpoint the resumed run must make the uninterrupted run's steps, evaluations
 * and stopping decision, and end with its weights, exactly.
 */
class SftTrainerResumeTest {

  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static final long SEED = 3;
  static final int PATIENCE = 2;
  static final long EVAL_EVERY = 2;

  static TrainingLoop.Settings settings(long total) {
    return new TrainingLoop.Settings(total, 1.0, LearningRateSchedule.fromConfig("cosine", 0.05, 1, total, 0.1),
        AverageOver.TOKENS, SftMetricsFormula.INSTANCE);
  }

  /** Trained on "5 5 5 …", validated on "5 7 5 7 …": the eval loss falls, then rises (see SftTrainerTest). */
  static List<SftExampleRow> validationRows() {
    List<SftExampleRow> validation = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int[] ids = new int[10];
      ids[0] = 1;
      for (int t = 1; t < ids.length; t++) {
        ids[t] = (t + i) % 2 == 0 ? 5 : 7;
      }
      validation.add(SftExampleRow.allSupervised(i, ids));
    }
    return validation;
  }

  record Run(List<StepRecord> records, List<SftValidation.Evaluation> evaluations, SftValidation.Evaluation best,
      boolean stoppedEarly, Map<String, HostTensor> finalWeights) {}

  @Test
  void resumingFromAnyCheckpointReplaysTheUninterruptedRunExactly(@TempDir Path dir) throws Exception {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA_WITH_DROPOUT)) {
      model.setDropout(0.0, 0.1);
      List<SftExampleRow> train = TinySft.constantRows(6, 5, 10, 0);
      BatchPlan plan = new BatchPlan(train.size(), 2, SEED); // 3 steps per epoch: epochs end at 3, 6, 9, ...
      long total = SftTrainer.totalSteps(plan, 20);
      LocalSftGradients gradients = new LocalSftGradients(model, train, plan, 2, SEED);
      EvalLoss evalLoss = new LocalEvalLoss(model, validationRows(), 3);
      Map<String, HostTensor> initial = model.exportTrainable();
      LocalCheckpointStore store = new LocalCheckpointStore(dir.resolve("checkpoints"));

      SftValidation fullValidation = validation(evalLoss);
      MetricsHistory fullHistory = new MetricsHistory();
      SftTrainer fullTrainer = new SftTrainer(settings(total), fullValidation, List.of(fullHistory,
          new CheckpointWriter(store, 1, SEED, "hash", plan, List.of(fullHistory::writeTo, fullValidation::writeTo))));
      TrainingState fullState = fullTrainer.run(new TrainingState(TinySft.copy(initial), new AdamW(adam()), 0),
          gradients);
      Run full = new Run(fullHistory.records(), fullValidation.evaluations(), fullValidation.best().orElseThrow(),
          fullTrainer.stoppedEarly(), fullState.weights());
      long stoppedAt = fullState.completedSteps();
      System.out.println("[sft-resume] stopped at " + stoppedAt + " of " + total + ", best at "
          + full.best().completedSteps() + ", eval losses " + full.evaluations().stream()
              .map(e -> e.completedSteps() + ":" + String.format("%.4f", e.loss())).toList());
      assertTrue(full.stoppedEarly(), "the fixture must stop early for this test to say anything");
      assertTrue(full.best().completedSteps() > 0, "best must come after some training");

      int midPatience = 0;
      int epochBoundaries = 0;
      for (long k = 1; k <= stoppedAt; k++) {
        Run resumed = resume(store, k, plan, total, gradients, evalLoss, dir);
        assertEquals(full.records().size(), resumed.records().size(), "steps recorded, resumed from " + k);
        for (int s = 0; s < full.records().size(); s++) {
          StepRecord a = full.records().get(s);
          StepRecord b = resumed.records().get(s);
          assertEquals(a.step(), b.step());
          assertEquals(a.metric("loss"), b.metric("loss"), 1e-6, "loss at step " + s + ", resumed from " + k);
          assertEquals(a.metric("learning_rate"), b.metric("learning_rate"), 0, "lr at step " + s + ", from " + k);
          assertEquals(a.metrics().get(SftTrainer.EVAL_LOSS), b.metrics().get(SftTrainer.EVAL_LOSS),
              "eval_loss at step " + s + ", resumed from " + k);
        }
        assertEquals(full.evaluations(), resumed.evaluations(), "evaluations, resumed from " + k);
        assertEquals(full.best(), resumed.best(), "best evaluation, resumed from " + k);
        assertEquals(full.stoppedEarly(), resumed.stoppedEarly());
        assertEquals(0, TinySft.maxDiff(full.finalWeights(), resumed.finalWeights()), "final weights, from " + k);
        midPatience += patienceCountAt(full.evaluations(), k) > 0 ? 1 : 0;
        epochBoundaries += k % plan.stepsPerEpoch() == 0 ? 1 : 0;
      }
      assertTrue(midPatience > 0, "some resume point must fall while the patience count runs");
      assertTrue(epochBoundaries > 0, "some resume point must fall on an epoch boundary");
    }
  }

  /** Without the saved early-stopping state the resumed run would decide differently: the state matters. */
  @Test
  void aCheckpointWithoutTheValidationStateIsRefused(@TempDir Path dir) throws Exception {
    SftValidation v = validation(w -> new TokenNll(1, 1));
    Files.createDirectories(dir);
    IllegalStateException evaluated = assertThrows(IllegalStateException.class, () -> {
      TrainingState s = new TrainingState(new java.util.LinkedHashMap<>(Map.of("w", HostTensor.zeros(2))),
          new AdamW(adam()), 0);
      v.evaluate(s);
      v.restoreFrom(dir, 0);
    });
    assertTrue(evaluated.getMessage().contains("before any evaluation"), evaluated.getMessage());
    java.io.IOException missing = assertThrows(java.io.IOException.class,
        () -> validation(w -> new TokenNll(1, 1)).restoreFrom(dir, 4));
    assertTrue(missing.getMessage().contains(SftValidation.STATE_FILE), missing.getMessage());

    // saved under other settings: refused, naming both
    v.writeTo(dir);
    SftValidation other = new SftValidation(w -> new TokenNll(1, 1), new SftValidation.Settings(EVAL_EVERY, 5, 0, true,
        true));
    IllegalStateException settings = assertThrows(IllegalStateException.class, () -> other.restoreFrom(dir, 4));
    assertTrue(settings.getMessage().contains("patience=5") && settings.getMessage().contains("patience=" + PATIENCE),
        settings.getMessage());
    // a patience count that its evaluations contradict: refused
    Path state = dir.resolve(SftValidation.STATE_FILE);
    Files.writeString(state, Files.readString(state).replace("\"without_improvement\" : 0", "\"without_improvement\" : 1"));
    java.io.IOException inconsistent = assertThrows(java.io.IOException.class,
        () -> validation(w -> new TokenNll(1, 1)).restoreFrom(dir, 4));
    assertTrue(inconsistent.getMessage().contains("inconsistent"), inconsistent.getMessage());
    assertFalse(validation(w -> new TokenNll(1, 1)).stopRequested());
  }

  static SftValidation validation(EvalLoss evalLoss) {
    return new SftValidation(evalLoss, new SftValidation.Settings(EVAL_EVERY, PATIENCE, 0, true, true));
  }

  static AdamW.Settings adam() {
    return new AdamW.Settings(0.9, 0.999, 1e-8, 0.01);
  }

  /** A fresh "process": weights, optimizer, history and validation only from checkpoint {@code k}. */
  static Run resume(LocalCheckpointStore store, long k, BatchPlan plan, long total, LocalSftGradients gradients,
      EvalLoss evalLoss, Path dir) throws Exception {
    Path local = store.fetch(k, Files.createDirectories(dir.resolve("fetched")));
    TrainingCheckpoint ckpt = TrainingCheckpoint.readFrom(local);
    assertEquals(k, ckpt.completedSteps());
    assertEquals(plan.epochOf(k), ckpt.epoch());
    MetricsHistory history = MetricsHistory.readFrom(local);
    history.truncateTo(k);
    SftValidation validation = validation(evalLoss);
    validation.restoreFrom(local, k);
    LocalCheckpointStore scratch = new LocalCheckpointStore(dir.resolve("resumed-" + k));
    SftTrainer trainer = new SftTrainer(settings(total), validation, List.of(history,
        new CheckpointWriter(scratch, 1, SEED, "hash", plan, List.of(history::writeTo, validation::writeTo))));
    TrainingState state = trainer.run(new TrainingState(ckpt.weights(),
        AdamW.resume(adam(), name -> true, ckpt.optimizer()), k), gradients);
    return new Run(history.records(), validation.evaluations(), validation.best().orElseThrow(),
        trainer.stoppedEarly(), state.weights());
  }

  /** Evaluations without improvement counted at {@code k} steps (what the validation carries over a resume). */
  static int patienceCountAt(List<SftValidation.Evaluation> evaluations, long k) {
    double best = Double.POSITIVE_INFINITY;
    int count = 0;
    for (SftValidation.Evaluation e : evaluations) {
      if (e.completedSteps() > k) {
        break;
      }
      if (e.loss() < best) {
        best = e.loss();
        count = 0;
      } else {
        count++;
      }
    }
    return count;
  }
}
