package io.aligntune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aligntune align} stopped by a signal mid-training (SIGTERM, as a scheduler or {@code kill} sends;
 * Ctrl-C's SIGINT takes the same path through the JVM's shutdown hooks): it says it was interrupted, where
 * its checkpoints are and the command that continues, instead of Spark's "Job cancelled because SparkContext
 * was shut down"; and that command does continue from the last checkpoint.
 */
class InterruptedAlignIT {

  static final Path REPO = AligntuneProcess.REPO;

  @Test
  void aSignalledAlignSaysHowToContinueAndResumeContinues(@TempDir Path work) throws Exception {
    Path config = work.resolve("align.yaml");
    Files.writeString(config, String.join("\n",
        "run: {id: interrupted, seed: 3, master: 'local[1]', output_dir: '" + work.resolve("runs") + "'}",
        "model: {init: {hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4,",
        "        num_key_value_heads: 2, max_position_embeddings: 512, seed: 9}}",
        "align:",
        "  data: ['" + REPO.resolve("data-samples/preferences.jsonl") + "']",
        "  max_length: 320",
        "  max_prompt_length: 160",
        "  lora: {rank: 2, alpha: 4, targets: [q, v]}",
        "  training: {max_steps: 40, global_batch_size: 8, micro_batch_size: 8, checkpoint_every: 2, partitions: 1}",
        "output: {warehouse: '" + work.resolve("runs/warehouse") + "'}",
        ""));
    AligntuneProcess firstRun = AligntuneProcess.start(work, "first", "2g", "align", "--config", config.toString());
    Process first = firstRun.process();
    Path out = work.resolve("first.out");
    // stop it once a few steps (and so at least one checkpoint) are done
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!Files.readString(out).contains("[align] step 5/40") && first.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(first.isAlive(), "the run ended before it could be interrupted:\n" + Files.readString(out));
    first.destroy(); // SIGTERM
    assertTrue(first.waitFor(2, TimeUnit.MINUTES), "the signalled JVM did not exit");
    String firstErr = firstRun.err();
    assertNotEquals(0, first.exitValue());
    assertTrue(firstErr.contains("aligntune align: interrupted by a signal before it finished; the checkpoints written so"
        + " far (none before the first checkpoint_every steps) are kept in " + work.resolve("runs") + "/interrupted/align/checkpoints; continue with: aligntune align"
        + " --config " + config + " --resume"), firstErr);
    assertFalse(firstErr.contains("aligntune align: error:"), "the shutdown's echo is not reported as the error:\n"
        + firstErr);

    AligntuneProcess again = AligntuneProcess.start(work, "again", "2g", "align", "--config", config.toString(),
        "--resume");
    assertTrue(again.finishes(java.time.Duration.ofMinutes(5)), "the resumed run did not finish" + again.diagnostics());
    String resumed = again.out();
    assertEquals(0, again.process().exitValue(), again.diagnostics());
    Matcher from = Pattern.compile("resuming run interrupted from step (\\d+)").matcher(resumed);
    assertTrue(from.find(), resumed);
    assertTrue(Integer.parseInt(from.group(1)) >= 4, "resumed from the last checkpoint: " + from.group(1));
    assertTrue(resumed.contains("[align] step 40/40"), resumed);
  }
}
