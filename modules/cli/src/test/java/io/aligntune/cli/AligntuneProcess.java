package io.aligntune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/aligntune} started as a user starts it, from a working directory, its stdout and stderr kept
 * in files there (so a test can watch the output while it runs). For the integration tests, which run
 * right after {@code package} built the jar the script uses: the script is told not to rebuild.
 */
final class AligntuneProcess {

  static final Path REPO = Paths.get("../..").toAbsolutePath().normalize();

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private AligntuneProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** @param name names the output files in {@code workDir}: {@code name.out}, {@code name.err} */
  static AligntuneProcess start(Path workDir, String name, String heap, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(REPO.resolve("bin/aligntune").toString()));
    command.addAll(List.of(args));
    Path out = workDir.resolve(name + ".out");
    Path err = workDir.resolve(name + ".err");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("ALIGNTUNE_SKIP_BUILD", "1"); // `package` has just built the jar this script runs
    builder.environment().put("ALIGNTUNE_JAVA_OPTS", "-Xmx" + heap);
    return new AligntuneProcess(builder.start(), out, err);
  }

  /** Waits for the exit; false (and the process killed) if it takes longer than {@code limit}. */
  boolean finishes(Duration limit) throws InterruptedException {
    boolean finished = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    return finished;
  }

  Process process() {
    return process;
  }

  String out() throws IOException {
    return Files.readString(stdout);
  }

  String err() throws IOException {
    return Files.readString(stderr);
  }

  /** Everything printed, for assertion messages (stderr's tail: Spark logs a lot). */
  String diagnostics() throws IOException {
    return "\n--- stdout\n" + out() + "\n--- stderr (tail)\n" + tail(err(), 6000);
  }

  static String tail(String text, int chars) {
    return text.length() <= chars ? text : text.substring(text.length() - chars);
  }
}
