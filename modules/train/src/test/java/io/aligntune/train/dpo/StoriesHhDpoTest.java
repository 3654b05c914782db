package io.aligntune.train.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.io.JsonlSource;
import io.aligntune.core.data.preference.PreferencePair;
import io.aligntune.core.data.preference.PreferenceRecordParser;
import io.aligntune.core.data.tokenize.PreferencePairTokenizer;
import io.aligntune.core.data.tokenize.TokenizedPair;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.tokenizer.Tokenizers;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.MetricsFormula;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import java.io.InputStream;
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
 * 60 steps of LoRA DPO of the real stories260K model on real Anthropic HH (harmless) pairs: rewards/accuracies
 * and rewards/margins on the training pairs rise well above their start, the loss stays finite, and native
 * memory stays flat (the number of live NDArrays does not grow with steps).
 */
@Tag("real-data")
class StoriesHhDpoTest {

  @Test
  void dpoOnRealPairsRaisesAccuracyAndMargins() throws Exception {
    Path data = Paths.get(System.getProperty("aligntune.shared.data", "../shared/data"));
    Path model = data.resolve("models/stories260K/stories260K.bin");
    Path pairs = data.resolve("preferences/hh-rlhf_harmless-base_test.jsonl.gz");
    Assumptions.assumeTrue(Files.exists(model) && Files.exists(pairs), "real assets absent under " + data);
    Tokenizer tokenizer = Tokenizers.load(data.resolve("models/stories260K/tok512.bin"));

    // the first 64 pairs that survive validation and a 160-token budget
    List<DpoExample> examples = new ArrayList<>();
    PreferencePairTokenizer tokenize = new PreferencePairTokenizer(tokenizer, new TruncationPolicy(160, 96));
    try (InputStream in = Files.newInputStream(pairs);
        Stream<Parsed<PreferencePair>> parsed = JsonlSource.read(pairs.toString(), in,
            PreferenceRecordParser.autoDetect(ChatRenderer.plain()))) {
      for (Parsed<PreferencePair> p : (Iterable<Parsed<PreferencePair>>) parsed::iterator) {
        if (examples.size() == 64) {
          break;
        }
        for (PreferencePair pair : p.values()) {
          Parsed<TokenizedPair> t = tokenize.tokenize(pair);
          for (TokenizedPair tp : t.values()) {
            examples.add(new DpoExample(examples.size(), tp.chosen().sequence(), tp.rejected().sequence(),
                tp.promptLength(), 0f, 0f));
          }
        }
      }
    }
    assertEquals(64, examples.size());

    LoadedWeights weights = ModelCheckpoint.load(model);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel policy = LlamaModel.create(manager, weights.config(), weights.tensors())) {
      LoraConfig lora = new LoraConfig(8, 16, 0.0, List.of("q", "k", "v", "o", "gate", "up", "down"));
      policy.addLora(lora, 7);
      List<DpoExample> data64 = ReferenceLogProbs.fill(policy, examples, 16);
      BatchPlan plan = new BatchPlan(data64.size(), 16, 7);
      List<StepRecord> records = new ArrayList<>();
      List<Integer> liveArrays = new ArrayList<>();
      StepListener recorder = (record, state) -> {
        records.add(record);
        liveArrays.add(policy.manager().getManagedArrays().size());
      };
      int steps = 60;
      TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(steps, 1.0,
          LearningRateSchedule.fromConfig("cosine", 5e-3, 5, steps, 0.1), AverageOver.PAIRS, MetricsFormula.dpo()),
          List.of(recorder));
      loop.run(new TrainingState(policy.exportTrainable(), new AdamW(AdamW.Settings.defaults()), 0),
          new LocalDpoGradients(policy, data64, plan, 8, DpoLossConfig.sigmoid(0.1)));

      double startAcc = mean(records.subList(0, 4), "rewards/accuracies");
      double endAcc = mean(records.subList(steps - 8, steps), "rewards/accuracies");
      double startMargin = mean(records.subList(0, 4), "rewards/margins");
      double endMargin = mean(records.subList(steps - 8, steps), "rewards/margins");
      System.out.printf("[stories260K x HH] accuracy %.3f -> %.3f, margin %.4f -> %.4f, loss %.4f -> %.4f, live arrays %d -> %d%n",
          startAcc, endAcc, startMargin, endMargin, records.get(0).metric("loss"), records.get(steps - 1).metric("loss"),
          liveArrays.get(1), liveArrays.get(steps - 1));
      for (StepRecord r : records) {
        assertTrue(Double.isFinite(r.metric("loss")), "loss at step " + r.step());
      }
      assertEquals(Math.log(2), records.get(0).metric("loss"), 1e-4, "step 0: policy = reference");
      assertTrue(endAcc >= 0.8 && endAcc > startAcc + 0.3, "accuracy " + startAcc + " -> " + endAcc);
      assertTrue(endMargin > startMargin + 0.1, "margin " + startMargin + " -> " + endMargin);
      assertEquals(liveArrays.get(1), liveArrays.get(steps - 1), "NDArrays held by the model must not grow with steps");
    }
  }

  static double mean(List<StepRecord> records, String metric) {
    return records.stream().mapToDouble(r -> r.metric(metric)).average().orElseThrow();
  }
}
