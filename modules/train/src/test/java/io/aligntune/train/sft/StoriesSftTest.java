package io.aligntune.train.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.tokenizer.Tokenizers;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * LoRA SFT of the real pretrained llama2.c stories260K model on short story-like texts written here: the
 * training loss must fall clearly within 20 steps and stay finite. Skipped, with the reason, when the shared
 * model is absent.
 */
@Tag("real-data")
class StoriesSftTest {

  /** Plain text (every token supervised), in the style of TinyStories, with recurring names and phrasing. */
  static final List<String> TEXTS = List.of(
      "Tom had a red kite. He ran to the hill and the kite went up high.",
      "Mia found a little cat in the rain. She gave the cat some milk and a warm bed.",
      "Ben and Sue built a sand castle. A big wave came and took it away, so they built it again.",
      "The little bird could not fly. Its mom sang to it every day until it flew.",
      "Lily wanted a cookie. Mom said she could have one after lunch. Lily ate her lunch fast.",
      "Max the dog liked to dig. One day he dug up an old box full of shiny toys.",
      "Anna saw a rainbow after the storm. She ran outside to find where it ended.",
      "Sam lost his blue ball. His friend Tim helped him look, and they found it under a tree.",
      "The sun was hot, so Kate and her dad went to the lake to swim.",
      "A small frog sat on a leaf. It jumped into the pond with a big splash.",
      "Tom had a green boat. He put it in the water and it sailed away.",
      "Mia and her mom baked a cake. They put red berries on top.",
      "Ben saw a big bear in the woods. He was scared, but the bear just wanted honey.",
      "Lily had a pink dress. She wore it to the party and danced all day.",
      "Max the dog was sad when it rained. Then the sun came out and he played again.",
      "Anna and Ben shared their toys. They were happy to play together.",
      "Sam wanted to be tall like his dad. His dad lifted him up so he could see far.",
      "Kate planted a seed. She gave it water every day and it grew into a flower.",
      "The old owl lived in a tall tree. At night it said hoot to the moon.",
      "Tom and Mia went to the park. They played on the swings until it got dark.",
      "Sue found a shell on the beach. She held it to her ear and heard the sea.",
      "Ben had a toy car. It was fast and red, and he raced it on the floor.",
      "Lily saw a butterfly. It had blue wings and it flew to a yellow flower.",
      "Max the dog found a stick. He brought it to Tim and they played fetch.",
      "Anna was hungry. Her mom made soup, and Anna said thank you.",
      "Sam and Kate made a snowman. They gave it a hat and a big smile.",
      "The little fish swam in the sea. It saw a big whale and said hello.",
      "Tom fell and hurt his knee. Mom gave him a hug and he felt better.",
      "Mia had a teddy bear. She took it everywhere, even to the park.",
      "Ben and Lily looked at the stars. They made a wish on the brightest one.",
      "Sue had a little garden. She grew carrots and gave them to her rabbit.",
      "Kate and Max ran in the field. The grass was soft and green.");

  @Test
  void twentyStepsOfLoraSftLowerTheTrainingLoss() throws Exception {
    Path dir = Paths.get(System.getProperty("aligntune.shared.data", "../shared/data"), "models/stories260K");
    Assumptions.assumeTrue(Files.exists(dir.resolve("stories260K.bin")),
        "real model absent: " + dir + " (set -Daligntune.shared.data)");
    Tokenizer tokenizer = Tokenizers.load(dir.resolve("tok512.bin"));
    LoadedWeights weights = ModelCheckpoint.load(dir.resolve("stories260K.bin"));
    List<SftExampleRow> rows = new ArrayList<>();
    for (String text : TEXTS) {
      int[] body = tokenizer.encode(text);
      int[] ids = new int[body.length + 2];
      ids[0] = tokenizer.bosId();
      System.arraycopy(body, 0, ids, 1, body.length);
      ids[ids.length - 1] = tokenizer.eosId();
      rows.add(SftExampleRow.allSupervised(rows.size(), ids));
    }

    int steps = 20;
    BatchPlan plan = new BatchPlan(rows.size(), 8, 17);
    List<Double> losses = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = LlamaModel.create(manager, weights.config(), weights.tensors())) {
      model.addLora(new LoraConfig(8, 16, 0.0, List.of("q", "k", "v", "o", "gate", "up", "down")), 3);
      double before = SftEvalComputer.compute(model, rows, 16).mean();
      StepListener record = (StepRecord r, TrainingState s) -> losses.add(r.metric("loss"));
      TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(steps, 1.0,
          LearningRateSchedule.fromConfig("cosine", 1e-2, 2, steps, 0.1), AverageOver.TOKENS, SftMetricsFormula.INSTANCE),
          List.of(record));
      TrainingState state = loop.run(new TrainingState(model.exportTrainable(), new AdamW(AdamW.Settings.defaults()), 0),
          new LocalSftGradients(model, rows, plan, 8, 17));
      model.setParameters(state.weights());
      double after = SftEvalComputer.compute(model, rows, 16).mean();
      System.out.printf("[stories260K-sft] full-set loss %.4f -> %.4f; step losses %s%n", before, after,
          losses.stream().map(l -> String.format("%.3f", l)).toList());
      assertEquals(steps, losses.size());
      assertTrue(losses.stream().allMatch(Double::isFinite), "every step loss finite: " + losses);
      // measured here: 2.59 -> 0.74 nats/token over the whole set; half that drop is the bar
      assertTrue(after < before - 1.0, "training-set loss must fall by > 1 nat/token: " + before + " -> " + after);
      assertTrue(mean(losses.subList(steps - 4, steps)) < mean(losses.subList(0, 4)) - 1.0,
          "the last steps' losses must be clearly below the first steps': " + losses);
    }
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }
}
