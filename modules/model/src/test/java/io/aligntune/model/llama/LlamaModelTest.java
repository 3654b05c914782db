package io.aligntune.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LlamaModelTest {

  /** Small but complete: GQA (4 heads over 2 kv heads), untied head, 2 layers. */
  static final LlamaConfig TINY = new LlamaConfig(32, 48, 2, 4, 2, 61, 128, 1e-5, 10000.0, false, 1, 2, 0);

  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static int[] randomIds(long seed, int length, int vocab) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ids = new int[length];
    for (int i = 0; i < length; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return ids;
  }

  static float[] logits(LlamaModel model, int[] ids) {
    try (NDManager m = manager.newSubManager()) {
      NDArray input = LlamaModel.idsArray(m, List.of(ids), ids.length, 0);
      return model.forward(input, null, null, null, false).toFloatArray();
    }
  }

  @Test
  void kvCacheGenerationEqualsFullRecomputationFor64Tokens() {
    try (LlamaModel model = LlamaModel.random(manager, TINY, 7)) {
      int[] prompt = {1, 5, 9};
      int[] generated = TextGenerator.generate(model, List.of(prompt), TextGenerator.Options.greedy(64, Set.of())).get(0);
      assertEquals(64, generated.length);
      // recompute every step from scratch (no cache) and take the argmax
      int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + 64);
      for (int t = 0; t < 64; t++) {
        int len = prompt.length + t;
        float[] all = logits(model, java.util.Arrays.copyOf(seq, len));
        float[] last = java.util.Arrays.copyOfRange(all, (len - 1) * TINY.vocabSize(), len * TINY.vocabSize());
        int argmax = TextGenerator.pick(last, TextGenerator.Options.greedy(1, Set.of()), null);
        assertEquals(argmax, generated[t], "token " + t);
        seq[len] = argmax;
      }
    }
  }

  @Test
  void cachedLogitsEqualFullLogits() {
    try (LlamaModel model = LlamaModel.random(manager, TINY, 3);
        NDManager m = manager.newSubManager();
        KvCache cache = new KvCache(m, TINY.numHiddenLayers())) {
      int[] ids = randomIds(11, 20, TINY.vocabSize());
      float[] full = logits(model, ids);
      // feed in chunks of 7, 1, 12 positions
      int[][] chunks = {java.util.Arrays.copyOfRange(ids, 0, 7), java.util.Arrays.copyOfRange(ids, 7, 8),
          java.util.Arrays.copyOfRange(ids, 8, 20)};
      int offset = 0;
      for (int[] chunk : chunks) {
        NDArray input = LlamaModel.idsArray(m, List.of(chunk), chunk.length, 0);
        float[] part = model.forward(input, null, null, cache, false).toFloatArray();
        for (int i = 0; i < part.length; i++) {
          assertEquals(full[offset * TINY.vocabSize() + i], part[i], 1e-5, "chunk at " + offset);
        }
        offset += chunk.length;
      }
    }
  }

  @Test
  void batchedLogProbsWithPaddedNeighboursEqualAlone() {
    try (LlamaModel model = LlamaModel.random(manager, TINY, 5)) {
      int[] shorter = randomIds(1, 6, TINY.vocabSize());
      int[] target = randomIds(2, 15, TINY.vocabSize());
      int[] longer = randomIds(3, 31, TINY.vocabSize());
      float alone = LogProbs.score(model, new LogProbs.Batch(List.of(target), new int[] {4}))[0];
      float[] batched = LogProbs.score(model, new LogProbs.Batch(List.of(shorter, target, longer), new int[] {2, 4, 9}));
      assertEquals(alone, batched[1], 1e-5);
      assertTrue(alone < 0 && Float.isFinite(alone));
      // and the sum is what the logits say: recompute by hand from full logits
      float[] all = logits(model, target);
      double expected = 0;
      for (int t = 4; t < target.length; t++) {
        int v = TINY.vocabSize();
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
          max = Math.max(max, all[(t - 1) * v + j]);
        }
        double z = 0;
        for (int j = 0; j < v; j++) {
          z += Math.exp(all[(t - 1) * v + j] - max);
        }
        expected += all[(t - 1) * v + target[t]] - max - Math.log(z);
      }
      assertEquals(expected, alone, 1e-4);
    }
  }

  @Test
  void batchedGenerationWithLeftPaddingEqualsAlone() {
    try (LlamaModel model = LlamaModel.random(manager, TINY, 9)) {
      int[] a = {1, 4};
      int[] b = {1, 7, 8, 9, 10, 11};
      var options = TextGenerator.Options.greedy(12, Set.of());
      int[] aloneA = TextGenerator.generate(model, List.of(a), options).get(0);
      int[] aloneB = TextGenerator.generate(model, List.of(b), options).get(0);
      List<int[]> both = TextGenerator.generate(model, List.of(a, b), options);
      assertArrayEquals(aloneA, both.get(0));
      assertArrayEquals(aloneB, both.get(1));
    }
  }

  @Test
  void freshLoraLeavesLogitsUnchangedAndMergeMatchesAdapter() {
    try (LlamaModel model = LlamaModel.random(manager, TINY, 5)) {
      int[] ids = randomIds(4, 12, TINY.vocabSize());
      float[] base = logits(model, ids);
      model.addLora(new LoraConfig(4, 8, 0.0, List.of("q", "k", "v", "o", "gate", "up", "down")), 42);
      assertArrayEquals(base, logits(model, ids), 1e-6f);
      // give B non-zero values, so the adapter changes the function
      Map<String, HostTensor> trainable = model.exportTrainable();
      SplittableRandom r = new SplittableRandom(1);
      trainable.forEach((name, t) -> {
        for (int i = 0; i < t.data().length; i++) {
          t.data()[i] = (float) (r.nextDouble() - 0.5) * 0.2f;
        }
      });
      model.setParameters(trainable);
      float[] adapted = logits(model, ids);
      assertTrue(maxAbsDiff(base, adapted) > 1e-3, "adapter must change the logits");
      model.setAdaptersEnabled(false);
      assertArrayEquals(base, logits(model, ids), 1e-6f, "adapters off gives the base model");
      model.setAdaptersEnabled(true);
      model.mergeLora();
      assertTrue(maxAbsDiff(adapted, logits(model, ids)) < 1e-4, "merged equals adapter");
      model.unmergeLora();
      assertTrue(maxAbsDiff(adapted, logits(model, ids)) < 1e-4, "unmerged adapter path again");
      model.setAdaptersEnabled(false);
      assertTrue(maxAbsDiff(base, logits(model, ids)) < 1e-4, "unmerge restores the base weights");
    }
  }

  @Test
  void wrongWeightShapeIsNamed() {
    Map<String, HostTensor> weights = LlamaWeightNames.randomWeights(TINY, 1);
    weights.put("model.layers.1.self_attn.k_proj.weight", HostTensor.zeros(32, 32));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaModel.create(manager, TINY, weights));
    assertTrue(e.getMessage().contains("model.layers.1.self_attn.k_proj.weight") && e.getMessage().contains("[16, 32]"), e.getMessage());
  }

  @Test
  void forwardLeavesNoNativeArraysBehind() {
    try (LlamaModel model = LlamaModel.random(manager, TINY, 5)) {
      int[] ids = randomIds(4, 12, TINY.vocabSize());
      logits(model, ids);
      TextGenerator.generate(model, List.of(new int[] {1, 2}), TextGenerator.Options.greedy(5, Set.of()));
      int before = model.manager().getManagedArrays().size();
      for (int i = 0; i < 3; i++) {
        logits(model, ids);
        LogProbs.score(model, new LogProbs.Batch(List.of(ids), new int[] {3}));
        TextGenerator.generate(model, List.of(new int[] {1, 2}), TextGenerator.Options.greedy(5, Set.of()));
      }
      assertEquals(before, model.manager().getManagedArrays().size());
    }
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
