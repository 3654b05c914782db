package io.aligntune.train.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DPO-family losses against values derived by hand. Each case is built from log-probs chosen so that the
 * margin h = (πc − ρc) − (πr − ρr) is a round number; the expected losses are the formulas in
 * {@link DpoLoss} evaluated in double precision.
 */
class DpoLossTest {

  private static final double LN_2 = Math.log(2);

  private NDManager manager;

  @BeforeEach
  void openManager() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }

  private NDArray vector(float... values) {
    return manager.create(values);
  }

  /** Pairs whose margins are exactly {@code margins}: πc = h, πr = ρc = ρr = 0. */
  private PairLogProbs withMargins(float... margins) {
    int n = margins.length;
    return PairLogProbs.ofSums(vector(margins), vector(new float[n]), vector(new float[n]), vector(new float[n]));
  }

  private static void assertValues(double[] expected, NDArray actual, double tolerance) {
    float[] values = actual.toFloatArray();
    assertEquals(expected.length, values.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], values[i], tolerance, "element " + i);
    }
  }

  @Test
  void policyEqualToReferenceGivesLn2AndZeroRewards() {
    NDArray chosen = vector(-12.5f, -3.25f, -40f, -0.001f);
    NDArray rejected = vector(-7f, -90.5f, -1e4f, -2f);
    for (double smoothing : new double[] {0.0, 0.1, 0.3}) {
      // The same arrays as policy and reference: exactly what a run sees at step 0.
      DpoLossOutput out =
          DpoLoss.sigmoid(PairLogProbs.ofSums(chosen, rejected, chosen, rejected), 0.1, smoothing);
      assertValues(new double[] {LN_2, LN_2, LN_2, LN_2}, out.perPairLoss(), 1e-7);
      assertValues(new double[4], out.chosenRewards(), 0);
      assertValues(new double[4], out.rejectedRewards(), 0);
    }
    // The inputs survive the loss's scratch scope and still belong to the test's manager.
    assertSame(manager, chosen.getManager());
    assertEquals(-12.5f, chosen.toFloatArray()[0]);
  }

  @Test
  void sigmoidMatchesHandComputedValues() {
    // πc − ρc = 2, πr − ρr = −1: h = 3.
    PairLogProbs h3 = PairLogProbs.ofSums(vector(-10f), vector(-15f), vector(-12f), vector(-14f));
    // β = 0.1: softplus(−0.3) = ln(1 + e^−0.3) = 0.5543552444685271
    assertValues(new double[] {0.5543552444685271}, DpoLoss.sigmoid(h3, 0.1, 0).perPairLoss(), 1e-6);
    // ε = 0.2: 0.8·softplus(−0.3) + 0.2·softplus(0.3) = 0.6143552444685272
    assertValues(new double[] {0.6143552444685272}, DpoLoss.sigmoid(h3, 0.1, 0.2).perPairLoss(), 1e-6);
    DpoLossOutput out = DpoLoss.sigmoid(h3, 0.1, 0);
    assertValues(new double[] {0.2}, out.chosenRewards(), 1e-6);
    assertValues(new double[] {-0.1}, out.rejectedRewards(), 1e-6);

    // h = −2, β = 0.5, ε = 0.1: 0.9·softplus(1) + 0.1·softplus(−1) = 1.2132616875182227
    assertValues(
        new double[] {1.2132616875182227},
        DpoLoss.sigmoid(withMargins(-2f), 0.5, 0.1).perPairLoss(),
        1e-6);
  }

  @Test
  void sigmoidStaysFiniteForHugeMargins() {
    PairLogProbs huge = withMargins(5000f, -5000f, 1e6f, -1e6f);
    // softplus(−5000) = 0 to float precision; softplus(5000) = 5000.
    assertValues(new double[] {0, 5000, 0, 1e6}, DpoLoss.sigmoid(huge, 1.0, 0).perPairLoss(), 1e-3);
    // With ε = 0.1 the wrong-way term dominates: 0.1·5000 and 0.9·5000.
    assertValues(
        new double[] {500, 4500, 1e5, 9e5}, DpoLoss.sigmoid(huge, 1.0, 0.1).perPairLoss(), 0.1);
    NDArray logSigmoid = DpoLoss.logSigmoid(vector(-200f, 200f, 0f));
    assertValues(new double[] {-200, 0, -LN_2}, logSigmoid, 1e-6);
  }

  @Test
  void ipoMatchesHandComputedValues() {
    PairLogProbs h3 = withMargins(3f);
    // (h − 1/(2β))²: β = 0.25 → (3 − 2)² = 1; β = 0.5 → (3 − 1)² = 4; β = 0.1 → (3 − 5)² = 4.
    assertValues(new double[] {1}, DpoLoss.ipo(h3, 0.25, false).perPairLoss(), 1e-6);
    assertValues(new double[] {4}, DpoLoss.ipo(h3, 0.5, false).perPairLoss(), 1e-6);
    assertValues(new double[] {4}, DpoLoss.ipo(h3, 0.1, false).perPairLoss(), 1e-5);
    // Large margins give large but finite values: (1e4 − 5)².
    assertValues(new double[] {9.9900025e7}, DpoLoss.ipo(withMargins(1e4f), 0.1, false).perPairLoss(), 10);
  }

  @Test
  void ipoAveragesLogProbsPerTokenWhenAsked() {
    // Chosen: 4 tokens, πc = −10, ρc = −12 → averages −2.5, −3. Rejected: 2 tokens, πr = −15, ρr = −14 →
    // −7.5, −7. Averaged h = 0.5 − (−0.5) = 1; summed h would be 3.
    PairLogProbs logProbs =
        PairLogProbs.ofSums(vector(-10f), vector(-15f), vector(-12f), vector(-14f))
            .withTokenCounts(vector(4f), vector(2f));
    DpoLossOutput averaged = DpoLoss.ipo(logProbs, 0.25, true);
    assertValues(new double[] {1}, averaged.perPairLoss(), 1e-6); // (1 − 2)²
    assertValues(new double[] {0.125}, averaged.chosenRewards(), 1e-7); // 0.25 · 0.5
    assertValues(new double[] {-0.125}, averaged.rejectedRewards(), 1e-7);
    assertValues(new double[] {1}, DpoLoss.ipo(logProbs, 0.25, false).perPairLoss(), 1e-6); // (3 − 2)²
    assertValues(new double[] {0}, DpoLoss.ipo(logProbs, 0.5, true).perPairLoss(), 1e-6); // (1 − 1)²

    PairLogProbs noCounts = withMargins(1f);
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> DpoLoss.ipo(noCounts, 0.5, true));
    assertTrue(missing.getMessage().contains("token counts"), missing.getMessage());
    PairLogProbs zeroCount = withMargins(1f).withTokenCounts(vector(0f), vector(3f));
    assertThrows(IllegalArgumentException.class, () -> DpoLoss.ipo(zeroCount, 0.5, true));
  }

  @Test
  void hingeMatchesHandComputedValues() {
    // relu(1 − βh): h = 3, β = 0.1 → 0.7; β = 0.5 → 0 (margin met); h = −2, β = 0.5 → 2.
    assertValues(new double[] {0.7}, DpoLoss.hinge(withMargins(3f), 0.1).perPairLoss(), 1e-6);
    assertValues(new double[] {0}, DpoLoss.hinge(withMargins(3f), 0.5).perPairLoss(), 0);
    assertValues(new double[] {2}, DpoLoss.hinge(withMargins(-2f), 0.5).perPairLoss(), 1e-6);
    assertValues(
        new double[] {0, 5001}, DpoLoss.hinge(withMargins(5000f, -5000f), 1.0).perPairLoss(), 1e-3);
  }

  @Test
  void lossIsPerPairAndNotAveraged() {
    DpoLossOutput out = DpoLoss.sigmoid(withMargins(0f, 0f, 0f), 0.1, 0);
    assertArrayEquals(new long[] {3}, out.perPairLoss().getShape().getShape());
    assertEquals(3 * LN_2, out.lossSum().getFloat(), 1e-6);
  }

  @Test
  void computesInFloat32WhateverTheInputType() {
    NDArray zeros = manager.zeros(new ai.djl.ndarray.types.Shape(2), DataType.FLOAT64);
    DpoLossOutput out = DpoLoss.sigmoid(PairLogProbs.ofSums(zeros, zeros, zeros, zeros), 0.1, 0);
    assertEquals(DataType.FLOAT32, out.perPairLoss().getDataType());
    assertEquals(DataType.FLOAT32, out.chosenRewards().getDataType());
    assertValues(new double[] {LN_2, LN_2}, out.perPairLoss(), 1e-7);
  }

  @Test
  void outputsBelongToTheCallersManager() {
    try (NDManager batch = manager.newSubManager()) {
      NDArray zeros = batch.zeros(new ai.djl.ndarray.types.Shape(2));
      int before = batch.getManagedArrays().size();
      DpoLossOutput out = DpoLoss.sigmoid(PairLogProbs.ofSums(zeros, zeros, zeros, zeros), 0.1, 0.1);
      // Only the three outputs stay behind; every intermediate was freed with the scratch manager.
      assertEquals(before + 3, batch.getManagedArrays().size());
      assertSame(batch, out.perPairLoss().getManager());
      assertSame(batch, out.chosenRewards().getManager());
      assertSame(batch, zeros.getManager());
    }
  }

  @Test
  void rejectsMismatchedShapes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PairLogProbs.ofSums(vector(1f, 2f), vector(1f), vector(1f, 2f), vector(1f, 2f)));
    assertTrue(e.getMessage().contains("policyRejected"), e.getMessage());
  }

  // ---- gradients ----

  /** ∂(Σ loss)/∂πc and ∂(Σ loss)/∂πr by autograd. */
  private float[][] policyGradients(DpoLossConfig config, float[] margins) {
    try (NDManager local = manager.newSubManager()) {
      int n = margins.length;
      NDArray policyChosen = local.create(margins);
      NDArray policyRejected = local.zeros(new ai.djl.ndarray.types.Shape(n));
      policyChosen.setRequiresGradient(true);
      policyRejected.setRequiresGradient(true);
      NDArray zeros = local.zeros(new ai.djl.ndarray.types.Shape(n));
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        DpoLossOutput out =
            DpoLoss.compute(config, PairLogProbs.ofSums(policyChosen, policyRejected, zeros, zeros));
        collector.backward(out.lossSum());
      }
      return new float[][] {
        policyChosen.getGradient().toFloatArray(), policyRejected.getGradient().toFloatArray()
      };
    }
  }

  private double lossSumAt(DpoLossConfig config, float[] policyChosen, float[] policyRejected) {
    try (NDManager local = manager.newSubManager()) {
      NDArray zeros = local.zeros(new ai.djl.ndarray.types.Shape(policyChosen.length));
      PairLogProbs logProbs =
          PairLogProbs.ofSums(local.create(policyChosen), local.create(policyRejected), zeros, zeros);
      return DpoLoss.compute(config, logProbs).lossSum().getFloat();
    }
  }

  private void assertGradientsMatchFiniteDifferences(DpoLossConfig config, float[] margins) {
    float[][] autograd = policyGradients(config, margins);
    float step = 1e-2f;
    for (int i = 0; i < margins.length; i++) {
      float[] plus = margins.clone();
      float[] minus = margins.clone();
      plus[i] += step;
      minus[i] -= step;
      float[] zeros = new float[margins.length];
      double chosenSlope =
          (lossSumAt(config, plus, zeros) - lossSumAt(config, minus, zeros)) / (2 * step);
      assertEquals(chosenSlope, autograd[0][i], 2e-3, config.type() + " ∂/∂πc at h = " + margins[i]);
      // h falls as πr rises, so ∂/∂πr = −∂/∂πc for every variant.
      assertEquals(-chosenSlope, autograd[1][i], 2e-3, config.type() + " ∂/∂πr at h = " + margins[i]);
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    float[] margins = {-3f, -0.7f, 0.4f, 2.5f, 6f};
    assertGradientsMatchFiniteDifferences(DpoLossConfig.sigmoid(0.5), margins);
    assertGradientsMatchFiniteDifferences(DpoLossConfig.conservative(0.5, 0.15), margins);
    assertGradientsMatchFiniteDifferences(DpoLossConfig.ipo(0.5, false), margins);
    // Away from the hinge's kink at βh = 1 (h = 2 for β = 0.5).
    assertGradientsMatchFiniteDifferences(DpoLossConfig.hinge(0.5), margins);
  }

  @Test
  void sigmoidGradientMatchesClosedForm() {
    // ∂loss/∂πc = β·(−(1 − ε)·σ(−βh) + ε·σ(βh)).
    double beta = 0.5;
    double smoothing = 0.15;
    float[] margins = {-3f, 0f, 2.5f};
    float[] gradient = policyGradients(DpoLossConfig.conservative(beta, smoothing), margins)[0];
    for (int i = 0; i < margins.length; i++) {
      double bh = beta * margins[i];
      double expected = beta * (-(1 - smoothing) * sigmoid(-bh) + smoothing * sigmoid(bh));
      assertEquals(expected, gradient[i], 1e-6, "h = " + margins[i]);
    }
  }

  @Test
  void gradientAtZeroMarginIsExact() {
    // At step 0 every pair has h = 0; the gradient there must be −β/2, not a sub-gradient artefact.
    float[][] gradients = policyGradients(DpoLossConfig.sigmoid(0.1), new float[] {0f, 0f});
    assertArrayEquals(new float[] {-0.05f, -0.05f}, gradients[0], 1e-8f);
    assertArrayEquals(new float[] {0.05f, 0.05f}, gradients[1], 1e-8f);
  }

  @Test
  void gradientsStayFiniteForHugeMargins() {
    float[][] gradients = policyGradients(DpoLossConfig.sigmoid(1.0), new float[] {-1e5f, 1e5f});
    assertArrayEquals(new float[] {-1f, 0f}, gradients[0], 1e-6f);
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  // ---- metric sums ----

  @Test
  void metricSumsUseTrlNames() {
    // Pair 0: h = 3 (chosen reward 0.2 > rejected −0.1); pair 1: policy = reference (a tie, not a win).
    PairLogProbs logProbs =
        PairLogProbs.ofSums(vector(-10f, -4f), vector(-15f, -6f), vector(-12f, -4f), vector(-14f, -6f));
    DpoLossOutput out = DpoLoss.sigmoid(logProbs, 0.1, 0);
    Map<String, Double> sums = DpoMetricSums.of(logProbs, out);
    assertEquals(0.5543552444685271 + LN_2, sums.get("loss"), 1e-6);
    assertEquals(0.2, sums.get("rewards/chosen"), 1e-6);
    assertEquals(-0.1, sums.get("rewards/rejected"), 1e-6);
    assertEquals(1.0, sums.get("rewards/accuracies"));
    assertEquals(0.3, sums.get("rewards/margins"), 1e-6);
    assertEquals(-14.0, sums.get("logps/chosen"), 1e-6);
    assertEquals(-21.0, sums.get("logps/rejected"), 1e-6);
  }
}
