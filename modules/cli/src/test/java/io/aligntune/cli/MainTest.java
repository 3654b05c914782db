package io.aligntune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The command tree: help, version, exit codes and how failures are reported. */
class MainTest {

  private static final Map<String, List<String>> OPTIONS = Map.of(
      "generate", List.of("--model", "--tokenizer", "--prompt", "--max-new-tokens", "--temperature", "--top-p",
          "--seed", "--chat", "--verbose", "--help", "--version"),
      "score", List.of("--model", "--tokenizer", "--input", "--output", "--batch-size", "--verbose", "--help"),
      "convert", List.of("--model", "--tokenizer", "--output", "--dtype", "--verbose", "--help"));

  @TempDir Path dir;

  /** The required options of {@code command}, with {@code model} as the model. */
  private String[] argsFor(String command, Path model) throws Exception {
    return switch (command) {
      case "generate" -> new String[] {command, "--model", model.toString(), "--prompt", "x"};
      case "score" -> new String[] {command, "--model", model.toString(), "--input",
          Files.writeString(dir.resolve("in.jsonl"), "{\"prompt\":\"a\",\"completion\":\"b\"}\n").toString(),
          "--output", dir.resolve("out.jsonl").toString()};
      case "convert" -> new String[] {command, "--model", model.toString(), "--output", dir.resolve("out").toString()};
      default -> throw new IllegalArgumentException(command);
    };
  }

  @Test
  void topLevelHelpListsTheSubcommands() {
    CliRun run = CliRun.of("--help");
    assertEquals(0, run.exitCode(), run.toString());
    for (String command : OPTIONS.keySet()) {
      assertTrue(run.out().contains(command), command + " missing from\n" + run.out());
    }
  }

  @Test
  void versionPrintsTheProjectAndJava() {
    CliRun run = CliRun.of("--version");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().startsWith("aligntune "), run.out());
    assertTrue(run.out().contains("Java "), run.out());
  }

  @Test
  void everySubcommandPrintsTheVersion() {
    String expected = CliRun.of("-V").out();
    assertTrue(expected.startsWith("aligntune "), expected);
    for (String command : Main.commandLine().getSubcommands().keySet()) {
      for (String flag : List.of("-V", "--version")) {
        CliRun run = CliRun.of(command, flag);
        assertEquals(0, run.exitCode(), command + " " + flag + ": " + run);
        assertEquals(expected, run.out(), command + " " + flag);
      }
    }
  }

  /** The top-level help's command list: one line per subcommand, a whole sentence (picocli shows the header). */
  @Test
  void topLevelHelpSummarisesEachSubcommandOnOneLine() {
    String help = CliRun.of("--help").out();
    String list = help.substring(help.indexOf("Commands:"));
    for (Map.Entry<String, CommandLine> sub : Main.commandLine().getSubcommands().entrySet()) {
      String[] header = sub.getValue().getCommandSpec().usageMessage().header();
      assertEquals(1, header.length, sub.getKey() + " has a one-line header for the command list");
      assertTrue(header[0].endsWith(".") && header[0].length() <= 62, sub.getKey() + ": " + header[0]);
      java.util.regex.Matcher line = java.util.regex.Pattern.compile("(?m)^  " + sub.getKey() + " +(.*)$").matcher(list);
      assertTrue(line.find(), sub.getKey() + " in\n" + list);
      assertEquals(header[0], line.group(1).strip(), "the whole summary on the command's line:\n" + list);
    }
    assertFalse(list.contains("promote it only\n"), list);
  }

  /**
   * Descriptions are paragraphs that picocli wraps (a sentence, a heading ending in ':', an indented list
   * item or a blank line), not lines broken by hand mid-sentence; and the wrapped help breaks neither after
   * '=' nor inside a dotted name such as run.date.
   */
  @ParameterizedTest
  @ValueSource(strings = {"run", "align", "generate", "score", "convert"})
  void descriptionsAreWholeParagraphsWrappedCleanly(String command) {
    String[] description = Main.commandLine().getSubcommands().get(command).getCommandSpec().usageMessage().description();
    for (String paragraph : description) {
      assertTrue(paragraph.isEmpty() || paragraph.endsWith(".") || paragraph.endsWith(":") || paragraph.startsWith("  "),
          command + ": a paragraph ends mid-sentence: " + paragraph);
    }
    CliRun run = CliRun.of(command, "--help");
    assertEquals(0, run.exitCode(), run.toString());
    String[] lines = run.out().split("\n");
    for (int i = 0; i < lines.length; i++) {
      assertTrue(lines[i].length() <= 80, command + " --help: line over 80 columns: " + lines[i]);
      assertFalse(lines[i].endsWith("="), command + " --help: broken after '=': " + lines[i]);
      if (i + 1 < lines.length && lines[i].matches(".*\\w\\.$")) {
        assertFalse(lines[i + 1].strip().matches("[a-z].*"), command + " --help: broken inside a name or sentence:\n"
            + lines[i] + "\n" + lines[i + 1]);
      }
    }
    if (command.equals("run")) {
      assertTrue(run.out().contains("\n  2  usage error\n") && run.out().contains("\n  3  a gate refused promotion"), run.out());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"generate", "score", "convert"})
  void everySubcommandHelpListsItsOptions(String command) {
    CliRun run = CliRun.of(command, "--help");
    assertEquals(0, run.exitCode(), run.toString());
    for (String option : OPTIONS.get(command)) {
      assertTrue(run.out().contains(option), option + " missing from the help of " + command + ":\n" + run.out());
    }
  }

  @Test
  void theReadmeDocumentsTheExitCodes() throws Exception {
    String readme = Files.readString(Path.of("../../README.md"));
    assertTrue(readme.contains("1 = error, 2 = usage error"), "README: exit 2 beside exit 1 for `run`");
    assertTrue(readme.contains("1 = error (one line on stderr") && readme.contains("2 = usage error (unknown or missing"),
        "README: the exit codes every command shares");
  }

  /** bin/aligntune's log config and the tests': DJL's CUDA probe warning is noise on a CPU-only machine. */
  @ParameterizedTest
  @ValueSource(strings = {"../../conf/log4j2.properties", "src/test/resources/log4j2-test.properties",
      "../spark/src/test/resources/log4j2-test.properties"})
  void logConfigsSilenceDjlsCudaProbeWarning(String file) throws Exception {
    java.util.Properties log = new java.util.Properties();
    try (var in = Files.newBufferedReader(Path.of(file))) {
      log.load(in);
    }
    String logger = log.stringPropertyNames().stream()
        .filter(k -> k.matches("logger\\.[^.]+\\.name") && log.getProperty(k).equals("ai.djl.util.cuda.CudaUtils"))
        .findFirst().orElseThrow(() -> new AssertionError(file + " sets no level for ai.djl.util.cuda.CudaUtils"));
    assertEquals("error", log.getProperty(logger.replace(".name", ".level")), file);
  }

  @Test
  void noSubcommandIsAUsageError() {
    CliRun run = CliRun.of();
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("Missing required subcommand"), run.err());
  }

  @ParameterizedTest
  @ValueSource(strings = {"generate", "score", "convert"})
  void missingModelIsAUsageError(String command) throws Exception {
    String[] args = argsFor(command, dir.resolve("m.bin"));
    String[] withoutModel = new String[args.length - 2];
    withoutModel[0] = args[0];
    System.arraycopy(args, 3, withoutModel, 1, args.length - 3);
    CliRun run = CliRun.of(withoutModel);
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("--model"), run.err());
  }

  @Test
  void unknownOptionIsAUsageError() {
    CliRun run = CliRun.of("generate", "--model", "m.bin", "--prompt", "x", "--no-such-option");
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("--no-such-option"), run.err());
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    Path model = dir.resolve("absent.bin");
    assertEquals(2, CliRun.of("generate", "--model", model.toString(), "--prompt", "x", "--top-p", "0").exitCode());
    assertEquals(2, CliRun.of("generate", "--model", model.toString(), "--prompt", "x", "--temperature", "-1").exitCode());
    assertEquals(2, CliRun.of("generate", "--model", model.toString(), "--prompt", "x", "--max-new-tokens", "-3").exitCode());
    assertEquals(2, CliRun.of("generate", "--model", model.toString(), "--prompt", "x", "--seed", "abc").exitCode());
    assertEquals(2, CliRun.of("convert", "--model", model.toString(), "--output", "o", "--dtype", "int8").exitCode());
    CliRun batch = CliRun.of("score", "--model", model.toString(), "--input", "a", "--output", "b", "--batch-size", "0");
    assertEquals(2, batch.exitCode(), batch.toString());
    assertTrue(batch.err().contains("--batch-size must be >= 1, got 0"), batch.err());
    CliRun date = CliRun.of("run", "--config", "absent.yaml", "--run-date", "2026-13-45");
    assertEquals(2, date.exitCode(), date.toString());
    assertTrue(date.err().contains("'2026-13-45' is not a date YYYY-MM-DD"), date.err());
  }

  @ParameterizedTest
  @ValueSource(strings = {"generate", "score", "convert"})
  void nonexistentModelFailsWithOneLineNamingThePath(String command) throws Exception {
    Path model = dir.resolve("no-such-model.bin");
    CliRun run = CliRun.of(argsFor(command, model));
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().startsWith("aligntune " + command + ": error: "), run.err());
    assertTrue(run.err().contains(model.toString()), run.err());
    assertEquals(1, run.err().lines().count(), "one error line, no stack trace:\n" + run.err());
  }

  @Test
  void verboseAddsTheStackTrace() {
    Path model = dir.resolve("no-such-model.bin");
    CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "x", "--verbose");
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("java.nio.file.NoSuchFileException"), run.err());
    assertTrue(run.err().contains("\tat "), run.err());
    // also accepted before the subcommand
    CliRun before = CliRun.of("--verbose", "generate", "--model", model.toString(), "--prompt", "x");
    assertTrue(before.err().contains("\tat "), before.err());
  }

  @ParameterizedTest
  @ValueSource(strings = {"generate", "score", "convert"})
  void pickleCheckpointsAreRefused(String command) throws Exception {
    // what torch.save writes since PyTorch 1.6: a zip archive, here under llama2.c's own extension
    Path pickle = Files.write(dir.resolve("pytorch_model.bin"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
    CliRun run = CliRun.of(argsFor(command, pickle));
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("refusing to load PyTorch pickle checkpoint [pytorch_model.bin]"), run.err());
    assertTrue(run.err().contains("unpickling can run arbitrary code"), run.err());
    assertFalse(run.err().contains("\tat "), run.err());
  }
}
