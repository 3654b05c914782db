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
import java.util.List;
import java.util.stream.Stream;

/**
 * Saves a checkpoint every N steps and after the last one: the {@link TrainingCheckpoint} and every
 * {@link CheckpointPart} go into one local folder that the store commits atomically.
 */
public final class CheckpointWriter implements StepListener {

  private final CheckpointStore store;
  private final long every;
  private final long seed;
  private final String configHash;
  private final BatchPlan plan;
  private final List<CheckpointPart> parts;

  public CheckpointWriter(CheckpointStore store, long every, long seed, String configHash, BatchPlan plan) {
    this(store, every, seed, configHash, plan, List.<CheckpointPart>of());
  }

  /** @param history saved with each checkpoint (it must be registered before this writer), or null */
  public CheckpointWriter(CheckpointStore store, long every, long seed, String configHash, BatchPlan plan,
      io.aligntune.train.loop.MetricsHistory history) {
    this(store, every, seed, configHash, plan, history == null ? List.of() : List.of(history::writeTo));
  }

  /**
   * @param parts written into each checkpoint after the weights and optimizer; each must reflect the state
   *     after the step being saved (listeners that update them must be registered before this writer)
   */
  public CheckpointWriter(CheckpointStore store, long every, long seed, String configHash, BatchPlan plan,
      List<CheckpointPart> parts) {
    if (every <= 0) {
      throw new IllegalArgumentException("checkpoint_every must be positive, got " + every);
    }
    this.store = store;
    this.every = every;
    this.seed = seed;
    this.configHash = configHash;
    this.plan = plan;
    this.parts = List.copyOf(parts);
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
      for (CheckpointPart part : parts) {
        part.writeTo(temp);
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
