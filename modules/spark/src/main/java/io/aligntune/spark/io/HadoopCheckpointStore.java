package io.aligntune.spark.io;

import io.aligntune.train.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Checkpoints under any Hadoop FileSystem URI. Files go to a temporary folder; the checkpoint is committed by
 * renaming it into place and writing the {@code _COMMITTED} marker last. On object stores, where a rename is
 * a copy, the marker is what readers trust: a folder without it is ignored.
 */
public final class HadoopCheckpointStore implements CheckpointStore {

  private final String root;

  public HadoopCheckpointStore(String root) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  @Override
  public void commit(long step, Path localDir) throws IOException {
    FileSystem fs = HadoopFiles.fileSystem(root);
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(root, CheckpointStore.folderName(step));
    org.apache.hadoop.fs.Path temp = new org.apache.hadoop.fs.Path(root,
        "_tmp-" + CheckpointStore.folderName(step) + "-" + UUID.randomUUID());
    fs.mkdirs(temp);
    try (Stream<Path> files = Files.list(localDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()),
            new org.apache.hadoop.fs.Path(temp, f.getFileName().toString()));
      }
    }
    if (fs.exists(target)) {
      fs.delete(target, true); // a retried commit of the same step replaces the earlier one
    }
    if (!fs.rename(temp, target)) {
      throw new IOException("could not rename " + temp + " to " + target);
    }
    fs.create(new org.apache.hadoop.fs.Path(target, COMMITTED_MARKER), true).close();
  }

  @Override
  public Optional<Long> latestStep() throws IOException {
    FileSystem fs = HadoopFiles.fileSystem(root);
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root);
    if (!fs.exists(dir)) {
      return Optional.empty();
    }
    long best = -1;
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (s.isDirectory() && name.matches("step-\\d{9}") && fs.exists(new org.apache.hadoop.fs.Path(s.getPath(), COMMITTED_MARKER))) {
        best = Math.max(best, Long.parseLong(name.substring(5)));
      }
    }
    return best < 0 ? Optional.empty() : Optional.of(best);
  }

  @Override
  public Path fetch(long step, Path localScratch) throws IOException {
    FileSystem fs = HadoopFiles.fileSystem(root);
    org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(root, CheckpointStore.folderName(step));
    if (!fs.exists(new org.apache.hadoop.fs.Path(source, COMMITTED_MARKER))) {
      throw new IOException("no committed checkpoint for step " + step + " under " + root);
    }
    Path out = Files.createTempDirectory(localScratch, "ckpt-");
    for (FileStatus s : fs.listStatus(source)) {
      fs.copyToLocalFile(false, s.getPath(), new org.apache.hadoop.fs.Path(out.resolve(s.getPath().getName()).toUri()), true);
    }
    return out;
  }

  @Override
  public String location() {
    return root;
  }
}
