package io.aligntune.train.checkpoint;

import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Saves a checkpoint every N steps and after the last one. */
public final class CheckpointWriter implements StepListener {

  private final CheckpointStore store;
  private final long every;
  private final long seed;
  private final String configHash;
  private final BatchPlan plan;
  private final io.aligntune.train.loop.MetricsHistory history;

  public CheckpointWriter(CheckpointStore store, long every, long seed, String configHash, BatchPlan plan) {
    this(store, every, seed, configHash, plan, null);
  }

  /** @param history saved with each checkpoint (it must be registered before this writer), or null */
  public CheckpointWriter(CheckpointStore store, long every, long seed, String configHash, BatchPlan plan,
      io.aligntune.train.loop.MetricsHistory history) {
    if (every <= 0) {
      throw new IllegalArgumentException("checkpoint_every must be positive, got " + every);
    }
    this.store = store;
    this.every = every;
    this.seed = seed;
    this.configHash = configHash;
    this.plan = plan;
    this.history = history;
  }

  @Override
  public void onStep(StepRecord record, TrainingState state) {
    if (state.completedSteps() % every == 0 || state.completedSteps() == record.totalSteps()) {
      save(state);
    }
  }

  public void save(TrainingState state) {
    long next = state.completedSteps();
    TrainingCheckpoint checkpoint = new TrainingCheckpoint(next, seed, configHash, plan.epochOf(next),
        next % plan.stepsPerEpoch(), state.weights(), state.optimizer().exportState());
    Path temp = null;
    try {
      temp = Files.createTempDirectory("aligntune-ckpt-");
      checkpoint.writeTo(temp);
      if (history != null) {
        history.writeTo(temp);
      }
      store.commit(next, temp);
    } catch (IOException e) {
      throw new UncheckedIOException("writing checkpoint of step " + next + " to " + store.location() + " failed", e);
    } finally {
      if (temp != null) {
        try (Stream<Path> walk = Files.walk(temp)) {
          walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
          // a leftover temp folder is harmless
        }
      }
    }
  }
}
