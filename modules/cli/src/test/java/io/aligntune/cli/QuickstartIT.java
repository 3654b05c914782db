package io.aligntune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command exactly as a new user types it: {@code bin/aligntune run --config
 * conf/quickstart.yaml}, with the shipped config unchanged and its relative paths ({@code data-samples/},
 * {@code runs/}) resolved against the working directory. The working directory is a copy of the repository's
 * {@code conf/} and {@code data-samples/} in a temp folder, so the run leaves nothing in the checkout.
 */
class QuickstartIT {

  static final Path REPO = AligntuneProcess.REPO;

  @Test
  void theReadmeMainCommandRunsTheWholePipelineAndSaysWhereTheTablesAre(@TempDir Path work) throws Exception {
    copyTree(REPO.resolve("conf"), work.resolve("conf"));
    copyTree(REPO.resolve("data-samples"), work.resolve("data-samples"));
    AligntuneProcess main = AligntuneProcess.start(work, "quickstart", "3g", "run", "--config", "conf/quickstart.yaml");
    boolean finished = main.finishes(Duration.ofMinutes(10));
    Process process = main.process();
    String out = main.out();
    String diagnostics = main.diagnostics();
    assertTrue(finished, "the main command did not finish in 10 minutes" + diagnostics);

    // a random tiny Llama cannot reach the 95% pass rate: the promotion gate refuses, exit code 3 (README)
    assertEquals(3, process.exitValue(), "exit code" + diagnostics);
    assertTrue(out.contains("[run] no model.path: initialising a random tiny Llama from model.init (seed 1234)"),
        "says it initialises a tiny Llama" + diagnostics);
    assertTrue(out.contains("[run] NOT PROMOTED"), diagnostics);
    assertTrue(out.contains("[run] tables: runs/warehouse (eval_results, eval_summary, train_metrics, rejects)"),
        "prints where the tables are" + diagnostics);
    // every phase ran, with the step counts the shipped config asks for
    assertTrue(out.contains("[align] step 10/10"), "10 DPO steps" + diagnostics);
    Matcher finetuneSteps = Pattern.compile("\\[finetune\\] step (\\d+)/(\\d+)").matcher(out);
    int lastStep = 0;
    int total = -1;
    while (finetuneSteps.find()) {
      lastStep = Integer.parseInt(finetuneSteps.group(1));
      total = Integer.parseInt(finetuneSteps.group(2));
    }
    assertTrue(lastStep > 0 && lastStep == total, "fine-tuning ran to its last step" + diagnostics);
    for (String phase : List.of("evaluate_base", "evaluate_aligned", "evaluate_final")) {
      assertTrue(out.contains("[run] " + phase + ": pass rate "), phase + diagnostics);
    }

    // the manifest and the tables are where it said, relative to the working directory
    JsonNode manifest = new ObjectMapper().readTree(work.resolve("runs/quickstart/manifest.json").toFile());
    assertEquals("quickstart", manifest.get("run_id").asText());
    assertFalse(manifest.at("/gates/promotion/passed").asBoolean(true));
    assertFalse(Files.exists(work.resolve("runs/quickstart/promoted")), "nothing promoted");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("quickstart-read-back")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      String warehouse = work.resolve("runs/warehouse").toString();
      long evalRows = spark.read().parquet(warehouse + "/eval_results").where("run_id = 'quickstart'").count();
      assertEquals(3L * manifest.at("/evaluations/base/prompts").asLong(), evalRows,
          "one eval_results row per prompt and evaluated model (base, aligned, final)");
      long dpoLossRows = spark.read().parquet(warehouse + "/train_metrics")
          .where("run_id = 'quickstart' AND phase = 'align' AND metric = 'loss'").count();
      assertEquals(10, dpoLossRows, "one loss row per DPO step");
    } finally {
      spark.stop();
    }
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
