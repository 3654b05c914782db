package io.aligntune.train.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.io.JsonArraySource;
import io.aligntune.core.data.sft.SftExample;
import io.aligntune.core.data.sft.SftFormat;
import io.aligntune.core.data.sft.SftRecordParser;
import io.aligntune.core.data.tokenize.PackingPlan;
import io.aligntune.core.data.tokenize.SequencePacker;
import io.aligntune.core.data.tokenize.SftExampleTokenizer;
import io.aligntune.core.data.tokenize.TokenizedSequence;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.tokenizer.Tokenizers;
import io.aligntune.train.step.GradientAccumulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Packing on real data and a real model: the Alpaca 1k sample tokenized with the stories260K tokenizer and
 * packed first-fit; rows of packed real examples must give the real model's summed NLL, token count and
 * LoRA gradient of those examples one by one. Skipped, with the reason, when the shared data is absent.
 *
 * <p>At conf/stories260k.yaml's max_length of 192 packing buys little: with this 512-token vocabulary the
 * Stanford template alone is long, and most examples reach max_length. At the model's full context (512)
 * the short ones pack.
 */
@Tag("real-data")
class StoriesPackingTest {

  static final int MAX_LENGTH = 512;

  @Test
  void alpacaPacksAndPackedRealExamplesTrainLikeTheExamplesAlone() throws Exception {
    Path shared = Paths.get(System.getProperty("aligntune.shared.data", "../shared/data"));
    Path dir = shared.resolve("models/stories260K");
    Path alpaca = shared.resolve("sft/alpaca_data_1k.json");
    Assumptions.assumeTrue(Files.exists(dir.resolve("stories260K.bin")) && Files.exists(alpaca),
        "real model or Alpaca sample absent under " + shared + " (set -Daligntune.shared.data)");
    Tokenizer tokenizer = Tokenizers.load(dir.resolve("tok512.bin"));
    List<TokenizedSequence> recipe = tokenize(alpaca, tokenizer, new TruncationPolicy(192, 128));
    PackingPlan atRecipe = SequencePacker.plan(recipe.stream().mapToInt(TokenizedSequence::length).toArray(), 192);
    System.out.println("[alpaca-1k, stories260K tokenizer, max_length 192] " + atRecipe.summary());
    assertEquals(recipe.size(), atRecipe.exampleCount());
    assertTrue(atRecipe.efficiency() >= atRecipe.unpackedEfficiency());

    List<TokenizedSequence> sequences = tokenize(alpaca, tokenizer, new TruncationPolicy(MAX_LENGTH, 384));
    PackingPlan plan = SequencePacker.plan(sequences.stream().mapToInt(TokenizedSequence::length).toArray(), MAX_LENGTH);
    System.out.println("[alpaca-1k, stories260K tokenizer, max_length " + MAX_LENGTH + "] " + plan.summary());
    assertEquals(sequences.size(), plan.exampleCount());
    assertTrue(sequences.size() > 900, "most of the sample tokenizes: " + sequences.size());
    assertTrue(plan.rowCount() < sequences.size() && plan.efficiency() > plan.unpackedEfficiency(), plan.summary());

    // the first two rows of three or more examples, packed and one by one, through the real model
    List<SftExampleRow> packedRows = new ArrayList<>();
    List<SftExampleRow> alone = new ArrayList<>();
    for (int r = 0; r < plan.rowCount() && packedRows.size() < 2; r++) {
      int[] members = plan.row(r);
      if (members.length < 3) {
        continue;
      }
      List<SftExampleRow> parts = new ArrayList<>();
      for (int e : members) {
        parts.add(SftExampleRow.of(e, sequences.get(e)));
      }
      packedRows.add(SftExampleRow.packed(packedRows.size(), parts));
      alone.addAll(parts);
    }
    assertEquals(2, packedRows.size());
    LoadedWeights weights = ModelCheckpoint.load(dir.resolve("stories260K.bin"));
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = LlamaModel.create(manager, weights.config(), weights.tensors())) {
      model.addLora(new LoraConfig(8, 16, 0.0, List.of("q", "k", "v", "o", "gate", "up", "down")), 3);
      model.setParameters(TinySft.perturbed(model, 7));
      GradientAccumulator oneByOne = SftGradientComputer.compute(model, alone, 1, 0);
      GradientAccumulator packed = SftGradientComputer.compute(model, packedRows, 2, 0);
      assertEquals(oneByOne.tokenCount(), packed.tokenCount());
      double nll = oneByOne.metricSum("loss");
      double relative = SftPackedRowsTest.maxRelativeDiff(oneByOne, packed);
      System.out.printf("[stories260K packed rows] %d examples in 2 rows: NLL %.5f packed vs %.5f alone over %d tokens;"
          + " max relative LoRA gradient diff %.3g%n", alone.size(), packed.metricSum("loss"), nll,
          packed.tokenCount(), relative);
      assertEquals(nll, packed.metricSum("loss"), 1e-5 * nll);
      assertTrue(relative < 1e-5, "packed vs alone gradient differ by " + relative + " (relative)");
    }
  }

  static List<TokenizedSequence> tokenize(Path alpaca, Tokenizer tokenizer, TruncationPolicy policy) throws Exception {
    SftExampleTokenizer examples = new SftExampleTokenizer(tokenizer, policy);
    try (Stream<Parsed<SftExample>> records = JsonArraySource.read(alpaca.toString(), Files.newInputStream(alpaca),
        new SftRecordParser(SftFormat.AUTO, ChatRenderer.plain()))) {
      return records.flatMap(p -> p.values().stream()).map(examples::tokenize).flatMap(p -> p.values().stream()).toList();
    }
  }
}
