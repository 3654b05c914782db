package io.aligntune.spark.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.train.checkpoint.TrainingCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The local copies a resume makes of a checkpoint ({@code aligntune-resume-*} in the temp directory). */
public final class ResumeScratch {

  private ResumeScratch() {}

  /**
   * No {@code aligntune-resume-*} folder in the temp directory still holds a copy of {@code checkpoint}
   * (matched by its state file, since other runs on the machine may have their own scratch folders there).
   */
  public static void assertNoCopyOf(Path checkpoint) throws IOException {
    byte[] state = Files.readAllBytes(checkpoint.resolve(TrainingCheckpoint.STATE_FILE));
    Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
    try (var scratch = Files.newDirectoryStream(tmp, "aligntune-resume-*")) {
      for (Path dir : scratch) {
        try (Stream<Path> walk = Files.walk(dir)) {
          List<Path> copies = walk.filter(p -> p.getFileName().toString().equals(TrainingCheckpoint.STATE_FILE))
              .filter(p -> sameBytes(p, state)).toList();
          assertTrue(copies.isEmpty(), "resume left its checkpoint copy in " + dir);
        } catch (UncheckedIOException | NoSuchFileException gone) {
          // another run's scratch folder, deleted while we looked
        }
      }
    }
  }

  private static boolean sameBytes(Path file, byte[] expected) {
    try {
      return Arrays.equals(Files.readAllBytes(file), expected);
    } catch (IOException e) {
      return false; // deleted meanwhile: not a leftover
    }
  }
}
