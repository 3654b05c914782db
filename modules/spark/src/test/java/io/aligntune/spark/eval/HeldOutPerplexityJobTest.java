package io.aligntune.spark.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.text.Tokenizer;
import io.aligntune.eval.suite.HeldOutText;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.LogProbs;
import io.aligntune.model.tokenizer.ByteTokenizer;
import io.aligntune.model.tokenizer.Tokenizers;
import io.aligntune.spark.io.HadoopFiles;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.testing.LocalClusterSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Held-out perplexity on local[2] against log-probs computed here, outside Spark, on separately loaded models. */
class HeldOutPerplexityJobTest {

  static SparkSession spark;
  static JavaSparkContext jsc;

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    ExecutorModels.release();
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  @Tag("real-data")
  void storiesPerplexityIsExpOfMeanNllOfTheDocument() throws Exception {
    String root = System.getProperty("aligntune.shared.data");
    Assumptions.assumeTrue(root != null, "aligntune.shared.data is not set (Surefire sets it); skipping");
    Path bin = Paths.get(root, "models", "stories260K", "stories260K.bin");
    Path tokFile = Paths.get(root, "models", "stories260K", "tok512.bin");
    Assumptions.assumeTrue(Files.exists(bin), "real model absent: " + bin + "; skipping");
    String document = "Once upon a time, there was a little dog named Max. Max liked to run in the park with his ball.";
    Path text = Files.writeString(dir.resolve("held_out.txt"), "\n" + document + "\n\n\n");

    PerplexityResult result = HeldOutPerplexityJob.run(jsc, ModelSource.at(bin.toString(), HadoopFiles.contentHash(bin.toString())),
        EvalTokenizer.at(tokFile.toString()), text.toString(), 2, 4);

    Tokenizer tok = Tokenizers.load(tokFile);
    int[] body = tok.encode(document);
    int[] sequence = new int[body.length + 1];
    sequence[0] = tok.bosId();
    System.arraycopy(body, 0, sequence, 1, body.length);
    double logProb;
    try (NDManager manager = NDManager.newBaseManager()) {
      LoadedWeights weights = ModelCheckpoint.load(bin);
      try (LlamaModel model = LlamaModel.create(manager, weights.config(), weights.tensors())) {
        logProb = LogProbs.score(model, new LogProbs.Batch(List.of(sequence), new int[] {1}))[0];
      }
    }
    double expected = Math.exp(-logProb / (sequence.length - 1));

    assertEquals(1, result.documents());
    assertEquals(1, result.windows());
    assertEquals(sequence.length - 1, result.tokens());
    assertTrue(Double.isFinite(result.perplexity()) && result.perplexity() > 1, "perplexity " + result.perplexity());
    assertEquals(expected, result.perplexity(), 1e-9 * expected);
    // a story-like sentence is far more likely than uniform over the 512-token vocabulary
    assertTrue(result.perplexity() < 512, "perplexity " + result.perplexity());
  }

  @Test
  void documentsLongerThanTheContextAreScoredInWindowsAcrossPartitions() throws Exception {
    LlamaConfig tiny = new LlamaConfig(32, 48, 2, 4, 2, ByteTokenizer.VOCAB_SIZE, 16, 1e-5, 10000.0, false, 1, 2, 0);
    List<String> documents = List.of("The river ran slowly past the old mill.", "Maria kept a garden.",
        "A train left at seven; a boy counted cows.");
    Path text = Files.writeString(dir.resolve("three.txt"), String.join("\n\n", documents) + "\n");

    PerplexityResult result = HeldOutPerplexityJob.run(jsc, ModelSource.random(tiny, 9), EvalTokenizer.at(ByteTokenizer.NAME),
        text.toString(), 2, 3);

    // independently: every window on its own (batch of one), summed here
    Tokenizer bytes = new ByteTokenizer();
    double nll = 0;
    long tokens = 0;
    long windows = 0;
    try (NDManager manager = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(manager, tiny, 9)) {
      for (String d : documents) {
        byte[] utf8 = d.getBytes(StandardCharsets.UTF_8);
        int[] sequence = new int[utf8.length + 1];
        sequence[0] = 1;
        for (int i = 0; i < utf8.length; i++) {
          sequence[i + 1] = (utf8[i] & 0xFF) + 3;
        }
        tokens += utf8.length;
        for (int[] w : HeldOutText.windows(sequence, 16)) {
          nll -= LogProbs.score(model, new LogProbs.Batch(List.of(w), new int[] {1}))[0];
          windows++;
        }
      }
    }
    assertEquals(3, result.documents());
    assertEquals(windows, result.windows());
    assertTrue(windows > documents.size(), "the documents need several windows each");
    assertEquals(tokens, result.tokens(), "every byte is scored once");
    assertEquals(nll, result.nllSum(), 1e-4 * nll);
    assertEquals(Math.exp(nll / tokens), result.perplexity(), 1e-4 * result.perplexity());
  }

  @Test
  void textWithoutDocumentsIsAnError() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.txt"), "\n  \n");
    LlamaConfig tiny = new LlamaConfig(32, 48, 2, 4, 2, ByteTokenizer.VOCAB_SIZE, 16, 1e-5, 10000.0, false, 1, 2, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeldOutPerplexityJob.run(jsc,
        ModelSource.random(tiny, 9), EvalTokenizer.at(ByteTokenizer.NAME), empty.toString(), 2, 3));
    assertTrue(e.getMessage().contains("no document"), e.getMessage());
  }
}
