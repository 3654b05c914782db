package io.aligntune.spark.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A console that simulates the driver dying mid-phase: it throws {@link SimulatedCrash} when a job prints a
 * line starting with the given prefix (e.g. {@code "[finetune] step 5/"}, printed by the progress listener
 * after step 5 was applied and before its checkpoint is written). Everything printed is kept for assertions.
 */
public final class CrashingConsole extends PrintStream {

  /** The simulated crash. */
  public static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash(String line) {
      super("simulated crash at: " + line);
    }
  }

  private final ByteArrayOutputStream buffer;
  private final String crashPrefix;

  /** @param crashPrefix throw at the first line starting with this; null never throws */
  public CrashingConsole(String crashPrefix) {
    this(new ByteArrayOutputStream(), crashPrefix);
  }

  private CrashingConsole(ByteArrayOutputStream buffer, String crashPrefix) {
    super(buffer, true, StandardCharsets.UTF_8);
    this.buffer = buffer;
    this.crashPrefix = crashPrefix;
  }

  @Override
  public void println(String line) {
    check(line);
    super.println(line);
  }

  @Override
  public void println(Object line) {
    check(String.valueOf(line));
    super.println(line);
  }

  @Override
  public PrintStream printf(String format, Object... args) {
    check(String.format(java.util.Locale.ROOT, format, args));
    return super.printf(format, args);
  }

  private void check(String line) {
    if (crashPrefix != null && line.startsWith(crashPrefix)) {
      throw new SimulatedCrash(line);
    }
  }

  /** Everything printed so far. */
  public String text() {
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
