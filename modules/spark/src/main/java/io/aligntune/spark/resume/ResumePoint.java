package io.aligntune.spark.resume;

import io.aligntune.train.checkpoint.CheckpointStore;
import io.aligntune.train.checkpoint.TrainingCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The checkpoint a phase resumes from: one committed step of its store, copied to a local scratch folder
 * ({@code aligntune-resume-*} in the temp directory) and checked to have been trained from this run's
 * {@link TrainingInputs}. The checkpoint's own files are read into memory; {@link #dir()} serves the parts
 * other listeners wrote into it (metrics, early-stopping state) until {@link #close()} deletes the copy, which
 * under full fine-tuning holds every weight and both AdamW moments.
 */
public final class ResumePoint implements AutoCloseable {

  private final Path scratch;
  private final Path dir;
  private final TrainingCheckpoint checkpoint;

  private ResumePoint(Path scratch, Path dir, TrainingCheckpoint checkpoint) {
    this.scratch = scratch;
    this.dir = dir;
    this.checkpoint = checkpoint;
  }

  /**
   * Fetches checkpoint {@code step} of {@code store} and checks it against {@code inputs}.
   *
   * @param runId named in the refusal
   * @throws IllegalStateException when the checkpoint was trained from other inputs: the message names the run,
   *     the checkpoint and which of the settings, base model and training data changed (all three, unnamed,
   *     for a checkpoint without {@value TrainingInputs#FILE}); the local copy is deleted first
   */
  public static ResumePoint fetch(CheckpointStore store, long step, TrainingInputs inputs, String runId)
      throws IOException {
    Path scratch = Files.createTempDirectory("aligntune-resume-");
    try {
      Path local = store.fetch(step, scratch);
      TrainingCheckpoint checkpoint = TrainingCheckpoint.readFrom(local);
      if (!checkpoint.configHash().equals(inputs.hash())) {
        List<String> changes = TrainingInputs.readFrom(local).map(inputs::changesSince).orElse(List.of());
        String what = changes.isEmpty() ? "the " + inputs.section() + " settings, base model or training data"
            : String.join("; ", changes);
        throw new IllegalStateException("run " + runId + ": cannot resume from checkpoint " + store.location() + "/"
            + CheckpointStore.folderName(step) + ": this run changed " + what + "; restore "
            + (changes.size() == 1 ? "it" : "them") + " or use a new run.id");
      }
      return new ResumePoint(scratch, local, checkpoint);
    } catch (IOException | RuntimeException e) {
      delete(scratch);
      throw e;
    }
  }

  public TrainingCheckpoint checkpoint() {
    return checkpoint;
  }

  /** The local copy of the checkpoint folder; gone after {@link #close()}. */
  public Path dir() {
    return dir;
  }

  /** Deletes the local copy; a second call does nothing. */
  @Override
  public void close() {
    delete(scratch);
  }

  private static void delete(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover copy in the temp folder is harmless
    }
  }
}
