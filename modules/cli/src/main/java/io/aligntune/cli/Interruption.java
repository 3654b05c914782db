package io.aligntune.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a long command says when it is stopped by a signal (Ctrl-C, SIGTERM from a scheduler). On a signal
 * the JVM runs its shutdown hooks: Spark's stops the SparkContext, so the running job fails with "Job
 * cancelled because SparkContext was shut down" and worse, and the JVM may halt before the main thread can
 * print anything. So the explanation is printed by a hook of its own, as soon as the shutdown starts: what
 * was kept and the command that continues the run. Errors the main thread reports after that are the
 * shutdown's echo and are not printed (see {@link Main.ErrorLine}).
 */
final class Interruption {

  private static final AtomicBoolean HOOKED = new AtomicBoolean();
  private static volatile String command;
  private static volatile String howToContinue;
  private static volatile boolean finished;
  private static volatile boolean signalled;

  private Interruption() {}

  /**
   * From here until the command returns, a signal prints {@code aligntune <name>: interrupted; <howToContinue>}.
   */
  static void explainOnSignal(String name, String howToContinue) {
    Interruption.command = name;
    Interruption.howToContinue = howToContinue;
    if (HOOKED.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(Interruption::onShutdown, "aligntune-interruption"));
    }
  }

  /** The command returned (normally or with an error): a shutdown from now on is the normal exit. */
  static void finished() {
    finished = true;
  }

  /** Whether a signal is stopping the JVM (errors seen now are its consequence, not the cause). */
  static boolean signalled() {
    return signalled;
  }

  private static void onShutdown() {
    if (finished || howToContinue == null) {
      return;
    }
    signalled = true;
    PrintStream err = System.err;
    err.println();
    err.println(command + ": interrupted by a signal before it finished; " + howToContinue);
    err.flush();
  }
}
