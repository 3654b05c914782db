package io.aligntune.train.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SftLossTest {

  private NDManager manager;

  @BeforeEach
  void openManager() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }

  @Test
  void uniformLogitsCostLnVocabularyPerSupervisedToken() {
    NDArray logits = manager.zeros(new Shape(2, 3, 4));
    NDArray labels = manager.create(new long[] {0, 1, 2, 3, 3, 3}, new Shape(2, 3));
    NDArray mask = manager.create(new float[] {0, 1, 1, 1, 0, 0}, new Shape(2, 3));
    int before = manager.getManagedArrays().size();
    SftLossOutput out = SftLoss.fromLogits(logits, labels, mask);
    // Only the sum stays behind; intermediates were freed with the scratch manager.
    assertEquals(before + 1, manager.getManagedArrays().size());
    assertEquals(3, out.supervisedTokenCount());
    assertEquals(3 * Math.log(4), out.nllSum().getFloat(), 1e-6);
    assertEquals(DataType.FLOAT32, out.nllSum().getDataType());
    assertSame(manager, out.nllSum().getManager());
  }

  @Test
  void matchesHandComputedCrossEntropy() {
    // logits (1, 2, 3): log Σ e^z = 3.40760596444438; −log p(2) = 0.40760596…, −log p(0) = 2.40760596….
    NDArray logits = manager.create(new float[] {1, 2, 3, 1, 2, 3}, new Shape(1, 2, 3));
    NDArray labels = manager.create(new int[] {2, 0}, new Shape(1, 2));
    NDArray mask = manager.create(new boolean[] {true, true}, new Shape(1, 2));
    SftLossOutput out = SftLoss.fromLogits(logits, labels, mask);
    assertEquals(0.40760596444438013 + 2.40760596444438, out.nllSum().getFloat(), 1e-5);
    assertEquals(2, out.supervisedTokenCount());

    SftLossOutput fromLogProbs = SftLoss.fromLogProbs(logits.logSoftmax(-1), labels, mask);
    assertEquals(out.nllSum().getFloat(), fromLogProbs.nllSum().getFloat(), 1e-6);
  }

  @Test
  void ignoresLabelsAtUnsupervisedPositions() {
    // −100 is Hugging Face's "ignore" label; it must not reach gather.
    NDArray logits = manager.create(new float[] {1, 2, 3, 1, 2, 3}, new Shape(1, 2, 3));
    NDArray labels = manager.create(new long[] {-100, 2}, new Shape(1, 2));
    NDArray mask = manager.create(new int[] {0, 1}, new Shape(1, 2));
    SftLossOutput out = SftLoss.fromLogits(logits, labels, mask);
    assertEquals(0.40760596444438013, out.nllSum().getFloat(), 1e-6);
    assertEquals(1, out.supervisedTokenCount());
  }

  @Test
  void rejectsSupervisedLabelsOutsideTheVocabulary() {
    NDArray logits = manager.zeros(new Shape(1, 2, 3));
    NDArray labels = manager.create(new long[] {0, 3}, new Shape(1, 2));
    NDArray mask = manager.ones(new Shape(1, 2));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SftLoss.fromLogits(logits, labels, mask));
    assertTrue(e.getMessage().contains("[0, 3)"), e.getMessage());
  }

  @Test
  void rejectsMismatchedShapes() {
    NDArray logits = manager.zeros(new Shape(1, 2, 3));
    NDArray labels = manager.create(new long[] {0, 1, 2}, new Shape(1, 3));
    NDArray mask = manager.ones(new Shape(1, 2));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SftLoss.fromLogits(logits, labels, mask));
    assertTrue(e.getMessage().contains("labels"), e.getMessage());
  }

  @Test
  void halfPrecisionLogitsAreNormalisedInFloat32() {
    // Huge logits: in float16 the log-sum-exp would overflow (max 65504); upcast first, then normalise.
    float[] values = {3000, 3001, 3002, 3000, 3001, 3002};
    NDArray logits = manager.create(values, new Shape(1, 2, 3)).toType(DataType.FLOAT16, false);
    NDArray labels = manager.create(new long[] {2, 0}, new Shape(1, 2));
    NDArray mask = manager.ones(new Shape(1, 2));
    SftLossOutput out = SftLoss.fromLogits(logits, labels, mask);
    assertEquals(DataType.FLOAT32, out.nllSum().getDataType());
    // float16 has a spacing of 2 near 3000, so the logits arrive as (3000, 3000, 3002).
    double logNormaliser = 3002 + Math.log(1 + 2 * Math.exp(-2));
    assertEquals((logNormaliser - 3002) + (logNormaliser - 3000), out.nllSum().getFloat(), 2e-3);
  }

  @Test
  void gradientIsSoftmaxMinusOneHotOnSupervisedTokensOnly() {
    try (NDManager local = manager.newSubManager()) {
      NDArray logits = local.create(new float[] {1, 2, 3, 0.5f, -1, 2}, new Shape(1, 2, 3));
      logits.setRequiresGradient(true);
      NDArray labels = local.create(new long[] {2, 1}, new Shape(1, 2));
      NDArray mask = local.create(new float[] {1, 0}, new Shape(1, 2));
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(SftLoss.fromLogits(logits, labels, mask).nllSum());
      }
      float[] gradient = logits.getGradient().toFloatArray();
      double normaliser = Math.exp(1) + Math.exp(2) + Math.exp(3);
      double[] expected = {
        Math.exp(1) / normaliser, Math.exp(2) / normaliser, Math.exp(3) / normaliser - 1, 0, 0, 0
      };
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], gradient[i], 1e-6, "element " + i);
      }
    }
  }

  @Test
  void noSupervisedTokensGiveZeroSumAndZeroCount() {
    NDArray logits = manager.zeros(new Shape(1, 2, 3));
    NDArray labels = manager.create(new long[] {-100, -100}, new Shape(1, 2));
    NDArray mask = manager.zeros(new Shape(1, 2));
    SftLossOutput out = SftLoss.fromLogits(logits, labels, mask);
    assertEquals(0, out.supervisedTokenCount());
    assertEquals(0f, out.nllSum().getFloat());
  }
}
