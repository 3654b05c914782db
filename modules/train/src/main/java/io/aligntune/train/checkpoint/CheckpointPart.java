package io.aligntune.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A piece of a run's state beyond weights and optimizer (the metrics so far, the early-stopping state) that
 * must travel inside each checkpoint so a resumed run continues exactly. It writes its files into the
 * checkpoint's local folder before the store commits the folder as a whole: it is committed, or absent,
 * with the rest.
 */
@FunctionalInterface
public interface CheckpointPart {

  /** Writes this part's files into {@code dir} (names must not clash with {@link TrainingCheckpoint}'s). */
  void writeTo(Path dir) throws IOException;
}
