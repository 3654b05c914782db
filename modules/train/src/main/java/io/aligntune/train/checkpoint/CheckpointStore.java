package io.aligntune.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where checkpoints live: a local folder, or any Hadoop FileSystem URI (the Spark module's store). A
 * checkpoint is a folder of files written first to a temporary name and committed by a final marker, so a
 * crash mid-write never leaves something that looks complete.
 */
public interface CheckpointStore {

  /** Copies the files of {@code localDir} into the store as the checkpoint of {@code step}, atomically. */
  void commit(long step, Path localDir) throws IOException;

  /** The highest step with a committed checkpoint. */
  Optional<Long> latestStep() throws IOException;

  /** Copies checkpoint {@code step} into a fresh local folder and returns it. */
  Path fetch(long step, Path localScratch) throws IOException;

  /** Human-readable location, for logs and the run manifest. */
  String location();

  /** Folder name of a step's checkpoint: zero-padded so names sort by step. */
  static String folderName(long step) {
    return String.format("step-%09d", step);
  }

  /** Marker file whose presence means the checkpoint was completely written. */
  String COMMITTED_MARKER = "_COMMITTED";
}
