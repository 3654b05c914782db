package io.aligntune.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code aligntune} command. A new subcommand is one more class in {@code subcommands} below.
 *
 * <p>Exit codes: 0 success; 1 failure, reported as one error line on stderr (the stack trace too with
 * {@code --verbose}); 2 usage error (unknown or missing option, bad option value), with the usage help.
 */
@Command(
    name = "aligntune",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Evaluate, align (DPO) and fine-tune (SFT) Llama-family models.",
    subcommands = {GenerateCommand.class, ScoreCommand.class, ConvertCommand.class, AlignCommand.class, RunCommand.class})
public final class Main implements Callable<Integer> {

  /** What picocli returns for a failed command (CommandLine.ExitCode.SOFTWARE). */
  static final int FAILURE = 1;

  /** Exit code of a command stopped by a signal (128 + SIGINT, what shells report for Ctrl-C). */
  static final int INTERRUPTED = 130;

  @Spec CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On failure, print the stack trace as well as the error line.")
  boolean verbose;

  /** Runs when no subcommand is given: that is a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  public static void main(String[] args) {
    CommandLine commandLine = commandLine();
    // Model output is UTF-8 text whatever the platform's default charset is (Java 17 follows the locale).
    commandLine.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    commandLine.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    int code = commandLine.execute(args);
    Interruption.finished();
    System.exit(code);
  }

  /** The configured command tree; tests call {@code execute} on it with their own out/err writers. */
  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(new ErrorLine());
    // -V is a standard option on every subcommand, but a subcommand without a version provider prints
    // nothing and exits 0; one provider for the whole tree keeps `aligntune run -V` and `aligntune -V` alike
    Version version = new Version();
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      sub.getCommandSpec().versionProvider(version);
    }
    return commandLine;
  }

  /** Reports a failure as {@code aligntune <command>: error: <message>}, plus the stack trace if asked. */
  static final class ErrorLine implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
      if (Interruption.signalled()) {
        // a signal is stopping the JVM and its hook has said so: this error is the shutdown's echo
        return INTERRUPTED;
      }
      PrintWriter err = command.getErr();
      err.println(command.getCommandSpec().qualifiedName() + ": error: " + describe(e));
      if (verboseRequested(parsed)) {
        e.printStackTrace(err);
      }
      err.flush();
      return FAILURE;
    }

    /** The message, or the exception type when it has none (a bug rather than bad input). */
    static String describe(Throwable e) {
      String message = e.getMessage();
      if (message == null || message.isBlank()) {
        return e.getClass().getName() + " (run with --verbose for the stack trace)";
      }
      return message;
    }

    private static boolean verboseRequested(ParseResult parsed) {
      for (ParseResult level = parsed; level != null; level = level.subcommand()) {
        if (level.hasMatchedOption("--verbose")) {
          return true;
        }
      }
      return false;
    }
  }

  /** The project version from the jar's Maven metadata ("development build" when run from classes). */
  static final class Version implements IVersionProvider {
    private static final String POM_PROPERTIES = "/META-INF/maven/io.aligntune/aligntune-cli/pom.properties";

    @Override
    public String[] getVersion() throws IOException {
      String version = "development build";
      try (InputStream in = Main.class.getResourceAsStream(POM_PROPERTIES)) {
        if (in != null) {
          Properties properties = new Properties();
          properties.load(in);
          version = properties.getProperty("version", version);
        }
      }
      return new String[] {
        "aligntune " + version,
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
