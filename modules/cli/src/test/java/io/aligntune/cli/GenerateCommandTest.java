package io.aligntune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.model.tokenizer.HfTokenizer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code aligntune generate} on the real stories260K model. */
class GenerateCommandTest {

  /** llama2.c's greedy continuation of BOS alone, 200 positions (shared/data/SOURCES.md, reference 1). */
  private static final String BOS_ONLY_TEXT = "Once upon a time, there was a little girl named Lily. She loved to"
      + " play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too"
      + " high.\nLily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. She said,"
      + " \"I want to play with your ball, but I can't find it.\"\nLily was sad and didn't know what to do. She said,"
      + " \"I'm sorry, Lily. I didn't know what to do.\"\nLily didn't want to help her mom, so she";

  private static CliRun generate(String prompt, String... more) {
    String[] base = {"generate", "--model", Stories260k.checkpoint().toString(), "--prompt", prompt};
    String[] args = Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    CliRun run = CliRun.of(args);
    assertEquals(0, run.exitCode(), run.toString());
    return run;
  }

  @Test
  void greedyOnceUponATimeMatchesLlama2c() {
    CliRun run = generate("Once upon a time", "--max-new-tokens", "60", "--temperature", "0");
    assertEquals(Stories260k.ONCE_UPON_A_TIME + "\n", run.out());
    assertTrue(run.err().matches("aligntune generate: 5 prompt \\+ 60 generated tokens in [0-9.]+ s \\([0-9.]+ tokens/s\\)\\R"),
        run.err());
  }

  @Test
  void greedyIsTheDefaultAndTheTokenizerIsFoundBesideTheModel() {
    CliRun explicit = generate("Once upon a time", "--max-new-tokens", "60",
        "--tokenizer", Stories260k.tokenizer().toString());
    assertEquals(Stories260k.ONCE_UPON_A_TIME + "\n", explicit.out());
  }

  @Test
  void emptyPromptStartsFromBosAlone() {
    assertEquals(BOS_ONLY_TEXT + "\n", generate("", "--max-new-tokens", "200").out());
  }

  @Test
  void zeroNewTokensPrintsThePromptBack() {
    assertEquals("Once upon a time\n", generate("Once upon a time", "--max-new-tokens", "0").out());
  }

  @Test
  void samplingIsDeterministicInTheSeed() {
    String first = generate("Once upon a time", "--temperature", "1.0", "--seed", "7", "--max-new-tokens", "40").out();
    String again = generate("Once upon a time", "--temperature", "1.0", "--seed", "7", "--max-new-tokens", "40").out();
    String other = generate("Once upon a time", "--temperature", "1.0", "--seed", "8", "--max-new-tokens", "40").out();
    assertEquals(first, again);
    assertNotEquals(first, other, "40 tokens sampled at temperature 1 with another seed came out identical");
    assertTrue(first.startsWith("Once upon a time"), first);
    assertNotEquals(Stories260k.ONCE_UPON_A_TIME + "\n", first, "temperature 1 gave the greedy text");
  }

  @Test
  void topPSamplingIsDeterministicToo() {
    String first = generate("Lily", "--temperature", "0.8", "--top-p", "0.9", "--seed", "3", "--max-new-tokens", "30").out();
    String again = generate("Lily", "--temperature", "0.8", "--top-p", "0.9", "--seed", "3", "--max-new-tokens", "30").out();
    assertEquals(first, again);
  }

  @Test
  void temperatureZeroIgnoresTheSeed() {
    String one = generate("Once upon a time", "--max-new-tokens", "60", "--seed", "1").out();
    String two = generate("Once upon a time", "--max-new-tokens", "60", "--seed", "2").out();
    assertEquals(Stories260k.ONCE_UPON_A_TIME + "\n", one);
    assertEquals(one, two);
  }

  @Test
  void chatWithoutATemplateUsesThePlainPromptAndSaysSo() {
    CliRun run = generate("Once upon a time", "--max-new-tokens", "60", "--chat");
    assertEquals(Stories260k.ONCE_UPON_A_TIME + "\n", run.out());
    assertTrue(run.err().contains("no chat template; --chat ignored"), run.err());
  }

  @Test
  void chatPromptIsTheRenderedTemplateAfterOneBos() throws Exception {
    try (HfTokenizer llama3 = HfTokenizer.load(Stories260k.llama3Tokenizer())) {
      StringWriter notes = new StringWriter();
      int[] ids = GenerateCommand.encodePrompt(llama3, "Why is the sky blue?", true, new PrintWriter(notes));
      String rendered = llama3.applyChatTemplateWithoutBos(
          List.of(Map.of("role", "user", "content", "Why is the sky blue?")), true).orElseThrow();
      assertArrayEquals(llama3.encode(rendered), ids);
      assertFalse(Arrays.stream(ids).anyMatch(id -> id == llama3.bosId()), "the template's BOS must not be encoded: "
          + Arrays.toString(ids));
      // the header markers are single special tokens, not spelled-out text
      int startHeader = llama3.encode("<|start_header_id|>")[0];
      assertEquals(1, llama3.encode("<|start_header_id|>").length);
      assertEquals(startHeader, ids[0]);
      assertTrue(llama3.decode(ids).contains("Why is the sky blue?"));
      assertEquals("", notes.toString());
    }
  }
}
