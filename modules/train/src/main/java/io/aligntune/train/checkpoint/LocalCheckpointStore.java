package io.aligntune.train.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/** Checkpoints in a local folder (also what tests use); the Spark module has the Hadoop FileSystem one. */
public final class LocalCheckpointStore implements CheckpointStore {

  private final Path root;

  public LocalCheckpointStore(Path root) {
    this.root = root;
  }

  @Override
  public void commit(long step, Path localDir) throws IOException {
    Files.createDirectories(root);
    Path target = root.resolve(CheckpointStore.folderName(step));
    Path temp = root.resolve(CheckpointStore.folderName(step) + ".inprogress-" + UUID.randomUUID());
    Files.createDirectories(temp);
    try (Stream<Path> files = Files.list(localDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, temp.resolve(f.getFileName().toString()));
      }
    }
    Files.createFile(temp.resolve(COMMITTED_MARKER));
    if (Files.exists(target)) {
      deleteRecursively(target); // a retried commit of the same step replaces the earlier one
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public Optional<Long> latestStep() throws IOException {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(d -> d.getFileName().toString().matches("step-\\d{9}"))
          .filter(d -> Files.exists(d.resolve(COMMITTED_MARKER)))
          .map(d -> Long.parseLong(d.getFileName().toString().substring(5)))
          .max(Long::compare);
    }
  }

  @Override
  public Path fetch(long step, Path localScratch) throws IOException {
    Path source = root.resolve(CheckpointStore.folderName(step));
    if (!Files.exists(source.resolve(COMMITTED_MARKER))) {
      throw new IOException("no committed checkpoint for step " + step + " in " + root);
    }
    Path out = Files.createTempDirectory(localScratch, "ckpt-");
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, out.resolve(f.getFileName().toString()));
      }
    }
    return out;
  }

  @Override
  public String location() {
    return root.toAbsolutePath().toString();
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
