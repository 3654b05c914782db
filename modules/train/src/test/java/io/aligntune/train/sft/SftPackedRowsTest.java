package io.aligntune.train.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.loss.SftLossOutput;
import io.aligntune.train.step.GradientAccumulator;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Packed SFT rows ({@link SftExampleRow#packed}) through {@link SftGradientComputer}: a row of packed
 * examples must give the same summed NLL, token count and gradient as its examples one by one, so that
 * packing changes throughput and never the training signal.
 */
class SftPackedRowsTest {

  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Four examples of four different lengths (5 to 12 tokens each), from the first seed that gives them. */
  static List<SftExampleRow> examples() {
    for (long seed = 31; ; seed++) {
      List<SftExampleRow> rows = TinySft.rows(4, seed, 0);
      if (rows.stream().mapToInt(SftExampleRow::length).distinct().count() == 4) {
        return rows;
      }
    }
  }

  @Test
  void aPackedRowGivesTheSummedLossAndLoraGradientOfItsExamples() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      model.setParameters(TinySft.perturbed(model, 3));
      List<SftExampleRow> examples = examples();
      SftExampleRow packed = SftExampleRow.packed(0, examples);
      assertEquals(4, packed.exampleCount());

      GradientAccumulator oneByOne = SftGradientComputer.compute(model, examples, 1, 0);
      GradientAccumulator asOneRow = SftGradientComputer.compute(model, List.of(packed), 1, 0);

      int supervised = examples.stream().mapToInt(SftExampleRow::supervisedCount).sum();
      assertEquals(supervised, oneByOne.tokenCount());
      assertEquals(supervised, asOneRow.tokenCount());
      double independent = examples.stream().mapToDouble(e -> Arrays.stream(TinySft.tokenNlls(model, e)).sum()).sum();
      double packedNll = asOneRow.metricSum(SftLossOutput.LOSS_SUM_KEY);
      assertEquals(independent, packedNll, 1e-5 * independent, "packed NLL sum vs each example's own logits");
      assertEquals(oneByOne.metricSum(SftLossOutput.LOSS_SUM_KEY), packedNll, 1e-5 * packedNll);

      double relative = maxRelativeDiff(oneByOne, asOneRow);
      System.out.printf("[packed-gradient] LoRA: NLL %.6f packed vs %.6f one by one; max relative gradient diff %.3g%n",
          packedNll, oneByOne.metricSum(SftLossOutput.LOSS_SUM_KEY), relative);
      assertTrue(relative < 1e-5, "packed vs unpacked LoRA gradient differ by " + relative + " (relative)");
    }
  }

  @Test
  void aPackedRowGivesTheFullWeightGradientOfItsExamples() {
    try (LlamaModel model = LlamaModel.random(manager, TinySft.CONFIG, 11)) {
      model.setFullFineTuning(true);
      List<SftExampleRow> examples = examples();
      GradientAccumulator oneByOne = SftGradientComputer.compute(model, examples, 2, 0);
      GradientAccumulator asOneRow = SftGradientComputer.compute(model, List.of(SftExampleRow.packed(0, examples)), 1, 0);
      assertEquals(oneByOne.tokenCount(), asOneRow.tokenCount());
      assertEquals(oneByOne.metricSum("loss"), asOneRow.metricSum("loss"), 1e-5 * oneByOne.metricSum("loss"));
      assertTrue(oneByOne.weightNames().contains("model.layers.1.self_attn.q_proj.weight"));
      double relative = maxRelativeDiff(oneByOne, asOneRow);
      System.out.printf("[packed-gradient] full weights (%d tensors): max relative gradient diff %.3g%n",
          oneByOne.weightNames().size(), relative);
      assertTrue(relative < 1e-5, "packed vs unpacked full-weight gradient differ by " + relative + " (relative)");
    }
  }

  /** Packed rows of different lengths share a padded micro-batch with an unpacked row. */
  @Test
  void packedAndUnpackedRowsMixInAPaddedMicroBatch() {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      model.setParameters(TinySft.perturbed(model, 5));
      List<SftExampleRow> examples = TinySft.rows(7, 41, 0);
      List<SftExampleRow> rows = List.of(SftExampleRow.packed(0, examples.subList(0, 3)),
          SftExampleRow.packed(1, examples.subList(3, 5)), examples.get(5), examples.get(6));
      GradientAccumulator oneByOne = SftGradientComputer.compute(model, examples, 1, 0);
      GradientAccumulator packed = SftGradientComputer.compute(model, rows, 4, 0);
      assertEquals(oneByOne.tokenCount(), packed.tokenCount());
      assertEquals(oneByOne.metricSum("loss"), packed.metricSum("loss"), 1e-5 * packed.metricSum("loss"));
      assertTrue(maxRelativeDiff(oneByOne, packed) < 1e-5);
      // and held-out evaluation of packed rows (dropout off) reads the same NLL
      assertEquals(oneByOne.metricSum("loss"), SftEvalComputer.compute(model, rows, 2).nllSum(),
          1e-5 * packed.metricSum("loss"));
    }
  }

  @Test
  void packedRowLayoutAndItsValidation() {
    SftExampleRow a = new SftExampleRow(4, new int[] {1, 5, 6}, new boolean[] {false, false, true});
    SftExampleRow b = new SftExampleRow(9, new int[] {1, 7}, new boolean[] {false, true});
    SftExampleRow row = SftExampleRow.packed(2, List.of(a, b));
    assertEquals(2, row.index());
    assertArrayEquals(new int[] {1, 5, 6, 1, 7}, row.ids());
    assertArrayEquals(new boolean[] {false, false, true, false, true}, row.supervised());
    assertArrayEquals(new int[] {1, 1, 1, 2, 2}, row.segments());
    assertEquals(2, row.supervisedCount());
    assertEquals(1, a.exampleCount());
    assertEquals(null, a.segments());

    IllegalArgumentException boundary = assertThrows(IllegalArgumentException.class, () -> new SftExampleRow(0,
        new int[] {1, 5, 6, 7}, new boolean[] {false, true, true, true}, new int[] {1, 1, 2, 2}));
    assertTrue(boundary.getMessage().contains("position 2 starts segment 2"), boundary.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SftExampleRow(0, new int[] {1, 5, 6},
        new boolean[] {false, true, false}, new int[] {1, 3, 3}), "segments must count up by one");
    assertThrows(IllegalArgumentException.class, () -> new SftExampleRow(0, new int[] {1, 5, 6},
        new boolean[] {false, true, false}, new int[] {1, 2, 1}), "segments must not come back");
    assertThrows(IllegalArgumentException.class, () -> SftExampleRow.packed(0, List.of(row)), "no packing twice");
  }

  /** The packed forward builds segment and position arrays from Java arrays: a GC must not corrupt backward. */
  @Test
  void aGarbageCollectionBetweenPackedForwardAndBackwardLeavesTheGradientUnchanged() throws InterruptedException {
    try (LlamaModel model = TinySft.model(manager, TinySft.LORA)) {
      Map<String, HostTensor> w = TinySft.perturbed(model, 3);
      List<SftExampleRow> examples = TinySft.rows(6, 21, 0);
      List<SftExampleRow> rows = List.of(SftExampleRow.packed(0, examples.subList(0, 4)),
          SftExampleRow.packed(1, examples.subList(4, 6)));
      Map<String, HostTensor> reference = null;
      for (boolean collect : new boolean[] {false, true, true}) {
        model.setParameters(w);
        try (NDManager scratch = model.manager().newSubManager();
            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          SftLossOutput loss = SftMicroBatch.loss(model, scratch, rows, true);
          if (collect) {
            System.gc();
            Thread.sleep(100);
            for (int i = 0; i < 2000; i++) {
              ByteBuffer.allocateDirect(8).putFloat(0, 1e30f).putFloat(4, Float.NaN);
            }
          }
          collector.backward(loss.nllSum());
        }
        Map<String, HostTensor> g = model.readGradients();
        if (reference == null) {
          reference = g;
        } else {
          assertEquals(0, TinySft.maxDiff(reference, g), 1e-6, "gradient changed by a GC between forward and backward");
        }
      }
    }
  }

  /** Per tensor, max |a − b| / max |a|; the largest over tensors. Fails on tensors with no gradient. */
  static double maxRelativeDiff(GradientAccumulator expected, GradientAccumulator actual) {
    assertEquals(expected.weightNames(), actual.weightNames());
    double worst = 0;
    for (String name : expected.weightNames()) {
      float[] a = expected.gradientSum(name).data();
      float[] b = actual.gradientSum(name).data();
      double scale = 0;
      double diff = 0;
      for (int i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]));
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
      }
      assertTrue(scale > 0, name + " received no gradient");
      worst = Math.max(worst, diff / scale);
    }
    return worst;
  }
}
