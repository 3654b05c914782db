package io.aligntune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aligntune.model.ModelBundle;
import io.aligntune.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code aligntune score} on the real stories260K model. */
class ScoreCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String TARGET =
      "{\"prompt\": \"Once upon a time\", \"completion\": \", there was a little girl named Lily.\"}";
  private static final String SHORTER = "{\"prompt\": \"Lily\", \"completion\": \" ran.\"}";
  private static final String LONGER = "{\"prompt\": \"One day, a boy named Tom went to the park with his mom.\","
      + " \"completion\": \" He saw a big dog. The dog was brown and had a long tail. Tom wanted to pet the dog, but"
      + " his mom said no. Tom was sad, but then he saw a red ball under a tree and ran to get it. He was happy.\"}";

  private static ModelBundle bundle;
  private static NDManager manager;
  private static LlamaModel model;

  @TempDir Path dir;

  @BeforeAll
  static void load() throws IOException {
    bundle = ModelBundle.open(Stories260k.checkpoint(), null);
    manager = NDManager.newBaseManager();
    model = LlamaModel.create(manager, bundle.weights().config(), bundle.weights().tensors());
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      model.close();
      manager.close();
    }
  }

  private record Scored(CliRun run, List<JsonNode> results, List<JsonNode> rejects) {}

  private Scored score(String name, List<String> lines, int batchSize) throws IOException {
    Path input = Files.write(dir.resolve(name + ".jsonl"), lines);
    Path output = dir.resolve(name + ".scores.jsonl");
    CliRun run = CliRun.of("score", "--model", Stories260k.checkpoint().toString(), "--input", input.toString(),
        "--output", output.toString(), "--batch-size", Integer.toString(batchSize));
    assertEquals(0, run.exitCode(), run.toString());
    Path rejects = dir.resolve(name + ".scores.rejects.jsonl");
    return new Scored(run, readJsonLines(output), readJsonLines(rejects));
  }

  private static List<JsonNode> readJsonLines(Path file) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      nodes.add(JSON.readTree(line));
    }
    return nodes;
  }

  @Test
  void aLoneSurrogateEscapeIsRejectedAndTheOtherLinesAreScored() throws IOException {
    Scored scored = score("surrogate", List.of(TARGET, "{\"prompt\": \"Lone \\ud800\", \"completion\": \"y\"}"), 8);
    assertEquals(1, scored.results().size(), scored.run().toString());
    assertEquals(1, scored.rejects().size(), scored.run().toString());
    assertEquals("invalid_utf8", scored.rejects().get(0).get("reason").asText());
    assertEquals("prompt", scored.rejects().get(0).get("field").asText());
    assertEquals(2, scored.rejects().get(0).get("line").asLong());
  }

  @Test
  void batchedValueEqualsTheValueComputedAlone() throws IOException {
    Scored batched = score("batched", List.of(SHORTER, TARGET, LONGER, SHORTER), 8);
    Scored alone = score("alone", List.of(TARGET), 1);
    assertEquals(4, batched.results().size(), batched.run().toString());
    double inBatch = batched.results().get(1).get("logprob_sum").asDouble();
    double byItself = alone.results().get(0).get("logprob_sum").asDouble();
    System.out.printf("ScoreCommandTest: logprob_sum alone %.7f, in a padded batch of 4 %.7f (difference %.2e)%n",
        byItself, inBatch, Math.abs(byItself - inBatch));
    assertEquals(byItself, inBatch, 1e-5, "padding/batching changed a record's log-prob");
    // and the repeated short record scores the same in both of its batch positions
    assertEquals(batched.results().get(0).get("logprob_sum").asDouble(),
        batched.results().get(3).get("logprob_sum").asDouble(), 1e-5);
  }

  @Test
  void completionIsScoredAfterItsSeparatelyTokenizedPrompt() throws IOException {
    JsonNode r = score("split", List.of(TARGET), 8).results().get(0);
    String prompt = r.get("prompt").textValue();
    String completion = r.get("completion").textValue();
    int[] promptIds = bundle.tokenizer().encode(prompt);
    int[] completionIds = bundle.tokenizer().encodeContinuation(completion);
    assertEquals(completionIds.length, r.get("completion_tokens").intValue());
    assertEquals(1, r.get("line").intValue());
    assertEquals("Once upon a time", prompt);

    // independent of LogProbs: one forward pass and a float64 log-softmax of the logits, summed over the
    // positions that predict completion tokens
    int[] ids = new int[1 + promptIds.length + completionIds.length];
    ids[0] = bundle.tokenizer().bosId();
    System.arraycopy(promptIds, 0, ids, 1, promptIds.length);
    System.arraycopy(completionIds, 0, ids, 1 + promptIds.length, completionIds.length);
    double expected = 0;
    try (NDManager scratch = manager.newSubManager()) {
      long[] input = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        input[i] = ids[i];
      }
      NDArray logits = model.forward(scratch.create(input, new Shape(1, ids.length)), null, null, null, false);
      float[] flat = logits.toFloatArray();
      int vocab = model.config().vocabSize();
      for (int t = 1 + promptIds.length; t < ids.length; t++) {
        int row = (t - 1) * vocab;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
          max = Math.max(max, flat[row + v]);
        }
        double total = 0;
        for (int v = 0; v < vocab; v++) {
          total += Math.exp(flat[row + v] - max);
        }
        expected += flat[row + ids[t]] - max - Math.log(total);
      }
    }
    assertEquals(expected, r.get("logprob_sum").asDouble(), 1e-4);
    assertEquals(r.get("logprob_sum").asDouble() / completionIds.length, r.get("logprob_mean").asDouble(), 1e-12);
  }

  @Test
  void badLinesAreRejectedWithTheirLineNumbers() throws IOException {
    String tooLong = "{\"prompt\": \"Tom\", \"completion\": \"" + " the big red dog ran".repeat(200) + "\"}";
    List<String> lines = List.of(
        TARGET,                                                     // 1 scored
        "{\"prompt\": \"x\", ",                                      // 2 invalid JSON
        "",                                                         // 3 blank: skipped
        "{\"prompt\": \"Hi\"}",                                     // 4 no completion
        "{\"prompt\": 5, \"completion\": \"a\"}",                   // 5 prompt not a string
        "{\"prompt\": \"\", \"completion\": \"a\"}",                // 6 empty prompt
        "[1, 2]",                                                   // 7 not an object
        tooLong,                                                    // 8 more than 512 tokens
        "   ",                                                      // 9 blank: skipped
        SHORTER,                                                    // 10 scored
        "{\"prompt\": \"a\", \"completion\": \"b\"} trailing",      // 11 invalid JSON
        "{\"prompt\": \"a\", \"completion\": null}",                // 12 completion not a string
        "{\"prompt\": \"a\", \"completion\": \"b\", \"prompt\": \"c\"}"); // 13 duplicate key: invalid JSON
    Scored s = score("bad", lines, 8);
    assertTrue(s.run().err().contains("scored 2, rejected 9 of 11 lines"), s.run().err());
    assertEquals(List.of(1, 10), s.results().stream().map(n -> n.get("line").intValue()).collect(Collectors.toList()));
    List<String> rejects = s.rejects().stream()
        .map(n -> n.get("line").intValue() + " " + n.get("field").asText() + " " + n.get("reason").textValue())
        .collect(Collectors.toList());
    assertEquals(List.of(
        "2 null invalid_json",
        "4 completion missing",
        "5 prompt not_a_string",
        "6 prompt empty",
        "7 null not_an_object",
        "8 null too_long",
        "11 null invalid_json",
        "12 completion not_a_string",
        "13 null invalid_json"), rejects);
    for (JsonNode reject : s.rejects()) {
      assertFalse(reject.get("detail").asText().isBlank(), reject.toString());
    }
    assertTrue(s.rejects().get(5).get("detail").textValue().contains("max_position_embeddings) of 512"),
        s.rejects().get(5).toString());
  }

  @Test
  void valuesAreFiniteNegativeAndInInputOrder() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      lines.add(List.of(SHORTER, TARGET, LONGER).get(i % 3));
    }
    Scored s = score("order", lines, 3);
    assertEquals(7, s.results().size());
    assertTrue(s.rejects().isEmpty());
    for (int i = 0; i < 7; i++) {
      JsonNode r = s.results().get(i);
      assertEquals(i + 1, r.get("line").intValue());
      double sum = r.get("logprob_sum").asDouble();
      double mean = r.get("logprob_mean").asDouble();
      assertTrue(Double.isFinite(sum) && sum < 0, r.toString());
      assertTrue(Double.isFinite(mean) && mean < 0, r.toString());
      assertTrue(r.get("completion_tokens").intValue() > 0, r.toString());
    }
    assertTrue(s.run().err().contains("scored 7, rejected 0 of 7 lines"), s.run().err());
  }

  @Test
  void aByteOrderMarkBeforeTheFirstRecordIsIgnored() throws IOException {
    Scored s = score("bom", List.of("\uFEFF" + SHORTER, SHORTER), 8);
    assertEquals(2, s.results().size(), s.run().toString());
    assertEquals(s.results().get(0).get("logprob_sum").asDouble(), s.results().get(1).get("logprob_sum").asDouble(), 1e-5);
    assertEquals(" ran.", s.results().get(0).get("completion").textValue());
  }

  @Test
  void missingInputFileFailsNamingIt() {
    Path input = dir.resolve("absent.jsonl");
    CliRun run = CliRun.of("score", "--model", Stories260k.checkpoint().toString(), "--input", input.toString(),
        "--output", dir.resolve("o.jsonl").toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains(input.toString()), run.err());
    assertFalse(Files.exists(dir.resolve("o.jsonl")));
  }

  @Test
  void rejectsFileIsNamedAfterTheOutput() {
    assertEquals(Path.of("d/out.rejects.jsonl"), ScoreCommand.rejectsPath(Path.of("d/out.jsonl")));
    assertEquals(Path.of("d/out.json.rejects.jsonl"), ScoreCommand.rejectsPath(Path.of("d/out.json")));
  }
}
