package io.aligntune.spark.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.spark.testing.ResumeScratch;
import io.aligntune.train.checkpoint.CheckpointStore;
import io.aligntune.train.checkpoint.LocalCheckpointStore;
import io.aligntune.train.checkpoint.TrainingCheckpoint;
import io.aligntune.train.optim.AdamWState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetching a checkpoint to resume from: accepted with the same inputs, refused naming each changed one. */
class ResumePointTest {

  static final TrainingInputs SAVED = new TrainingInputs("finetune", "settings-1", "model-1", "data-1");

  /** A committed checkpoint of step 2 made from {@code inputs}; with {@code withInputsFile}, it has inputs.json. */
  static CheckpointStore storeWith(Path root, TrainingInputs inputs, boolean withInputsFile) throws Exception {
    Map<String, HostTensor> w = Map.of("w", new HostTensor(new long[] {2}, new float[] {1, 2}));
    Path local = Files.createDirectories(root.resolve("local"));
    new TrainingCheckpoint(2, 3, inputs.hash(), 0, 2, w, new AdamWState(2, w, w)).writeTo(local);
    if (withInputsFile) {
      inputs.writeTo(local);
    }
    CheckpointStore store = new LocalCheckpointStore(root.resolve("checkpoints"));
    store.commit(2, local);
    return store;
  }

  @Test
  void theSameInputsResumeAndCloseDeletesTheCopy(@TempDir Path root) throws Exception {
    CheckpointStore store = storeWith(root, SAVED, true);
    Path copy;
    try (ResumePoint from = ResumePoint.fetch(store, 2, SAVED, "r")) {
      assertEquals(2, from.checkpoint().completedSteps());
      assertEquals(SAVED, TrainingInputs.readFrom(from.dir()).orElseThrow());
      copy = from.dir();
      assertTrue(Files.exists(copy));
    }
    assertFalse(Files.exists(copy), "closing deletes the local copy");
    ResumeScratch.assertNoCopyOf(root.resolve("checkpoints/step-000000002"));
  }

  @Test
  void eachChangedInputIsNamedAlone(@TempDir Path root) throws Exception {
    CheckpointStore store = storeWith(root, SAVED, true);
    String settings = refusal(store, new TrainingInputs("finetune", "settings-2", "model-1", "data-1"));
    assertTrue(settings.contains("the settings (finetune or model section, or run.seed)"), settings);
    assertFalse(settings.contains("base model") || settings.contains("training data"), settings);
    String model = refusal(store, new TrainingInputs("finetune", "settings-1", "model-2", "data-1"));
    assertTrue(model.contains("the base model (content hash model-1, now model-2)"), model);
    assertFalse(model.contains("settings") || model.contains("training data"), model);
    String data = refusal(store, new TrainingInputs("finetune", "settings-1", "model-1", "data-2"));
    assertTrue(data.contains("the training data") && data.contains("data hash data-1, now data-2"), data);
    assertFalse(data.contains("settings") || data.contains("base model"), data);
    String two = refusal(store, new TrainingInputs("finetune", "settings-1", "model-2", "data-2"));
    assertTrue(two.contains("the base model") && two.contains("; the training data"), two);
    assertTrue(settings.startsWith("run r: cannot resume from checkpoint " + store.location() + "/step-000000002: "),
        settings);
    ResumeScratch.assertNoCopyOf(root.resolve("checkpoints/step-000000002"));
  }

  @Test
  void aCheckpointWithoutInputsFileIsRefusedNamingAllThree(@TempDir Path root) throws Exception {
    CheckpointStore store = storeWith(root, SAVED, false);
    String message = refusal(store, new TrainingInputs("finetune", "settings-1", "model-2", "data-1"));
    assertTrue(message.contains("this run changed the finetune settings, base model or training data"), message);
    // its own inputs still resume: the hash alone decides
    try (ResumePoint from = ResumePoint.fetch(store, 2, SAVED, "r")) {
      assertEquals(2, from.checkpoint().completedSteps());
    }
  }

  static String refusal(CheckpointStore store, TrainingInputs now) {
    return assertThrows(IllegalStateException.class, () -> ResumePoint.fetch(store, 2, now, "r")).getMessage();
  }
}
