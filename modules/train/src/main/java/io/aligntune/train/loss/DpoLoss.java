package io.aligntune.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * DPO-family preference losses as pure functions of per-pair completion log-probs.
 *
 * <p>Notation, per pair i: π_c, π_r are the policy's summed log-probs of the chosen and rejected
 * completions, ρ_c, ρ_r the reference model's, and
 *
 * <pre>
 *   h = (π_c − ρ_c) − (π_r − ρ_r)          the policy's log-ratio margin over the reference
 * </pre>
 *
 * Every variant below is a function of βh (or h) alone, and every variant returns the implicit rewards
 * β·(π_c − ρ_c) and β·(π_r − ρ_r) for metrics. Arithmetic is float32; inputs of another floating type are
 * converted first. Outputs belong to the manager of {@code policyChosen}; intermediates live in a scratch
 * sub-manager and are freed before returning (autograd keeps what backward needs on the native side).
 */
public final class DpoLoss {

  private DpoLoss() {}

  /** Applies the loss that {@code config} names. */
  public static DpoLossOutput compute(DpoLossConfig config, PairLogProbs logProbs) {
    if (config.ipoAverageLogProbs() && !logProbs.hasTokenCounts()) {
      throw new IllegalArgumentException(
          "ipo_average_log_probs needs the completions' token counts; use PairLogProbs.withTokenCounts");
    }
    NDManager owner = logProbs.policyChosen().getManager();
    try (NDManager scratch =
        ScratchScope.open(
            owner,
            logProbs.policyChosen(),
            logProbs.policyRejected(),
            logProbs.referenceChosen(),
            logProbs.referenceRejected(),
            logProbs.chosenTokenCounts(),
            logProbs.rejectedTokenCounts())) {
      NDArray policyChosen = toFloat32(logProbs.policyChosen());
      NDArray policyRejected = toFloat32(logProbs.policyRejected());
      NDArray referenceChosen = toFloat32(logProbs.referenceChosen());
      NDArray referenceRejected = toFloat32(logProbs.referenceRejected());
      if (config.ipoAverageLogProbs()) {
        NDArray chosenTokens = positiveCounts("chosenTokenCounts", logProbs.chosenTokenCounts());
        NDArray rejectedTokens = positiveCounts("rejectedTokenCounts", logProbs.rejectedTokenCounts());
        policyChosen = policyChosen.div(chosenTokens);
        referenceChosen = referenceChosen.div(chosenTokens);
        policyRejected = policyRejected.div(rejectedTokens);
        referenceRejected = referenceRejected.div(rejectedTokens);
      }
      NDArray chosenLogRatio = policyChosen.sub(referenceChosen);
      NDArray rejectedLogRatio = policyRejected.sub(referenceRejected);
      NDArray margin = chosenLogRatio.sub(rejectedLogRatio);
      double beta = config.beta();

      NDArray perPairLoss =
          switch (config.type()) {
            case SIGMOID -> sigmoidLoss(margin, beta, config.labelSmoothing());
            case IPO -> ipoLoss(margin, beta);
            case HINGE -> hingeLoss(margin, beta);
          };
      NDArray chosenRewards = chosenLogRatio.mul(beta).stopGradient();
      NDArray rejectedRewards = rejectedLogRatio.mul(beta).stopGradient();

      perPairLoss.attach(owner);
      chosenRewards.attach(owner);
      rejectedRewards.attach(owner);
      return new DpoLossOutput(perPairLoss, chosenRewards, rejectedRewards);
    }
  }

  /**
   * DPO (Rafailov et al. 2023, "Direct Preference Optimization: Your Language Model is Secretly a Reward
   * Model", eq. 7), with the label smoothing of conservative DPO (Mitchell 2023, "A note on DPO with noisy
   * preferences and relationship to IPO"):
   *
   * <pre>
   *   loss = −(1 − ε)·log σ(βh) − ε·log σ(−βh)
   * </pre>
   *
   * ε = 0 gives plain DPO. When policy = reference, h = 0 and the loss is ln 2 for every ε.
   */
  public static DpoLossOutput sigmoid(PairLogProbs logProbs, double beta, double labelSmoothing) {
    return compute(DpoLossConfig.conservative(beta, labelSmoothing), logProbs);
  }

  /**
   * IPO (Azar et al. 2023, "A General Theoretical Paradigm to Understand Learning from Human Preferences",
   * the empirical IPO loss of its section 5):
   *
   * <pre>
   *   loss = (h − 1/(2β))²
   * </pre>
   *
   * The paper's h uses log-probs averaged over each completion's tokens, and TRL does the same; pass
   * {@code averageLogProbs = true} (with token counts in {@code logProbs}) for that behaviour. With summed
   * log-probs the target margin 1/(2β) is per sequence, so long completions reach it trivially: β must
   * then be chosen with the completion length in mind. Unlike the sigmoid loss, IPO does not push the
   * margin beyond its target, which is its defence against over-fitting deterministic preferences.
   */
  public static DpoLossOutput ipo(PairLogProbs logProbs, double beta, boolean averageLogProbs) {
    return compute(DpoLossConfig.ipo(beta, averageLogProbs), logProbs);
  }

  /**
   * The hinge loss of SLiC (Zhao et al. 2023, "SLiC-HF: Sequence Likelihood Calibration with Human
   * Feedback"). SLiC's rank calibration loss is max(0, δ − log π(chosen) + log π(rejected)); as in TRL's
   * {@code hinge}, it is applied here to the reference-adjusted margin h and scaled by β, which makes the
   * required margin δ = 1/β:
   *
   * <pre>
   *   loss = max(0, 1 − βh) = β · max(0, 1/β − h)
   * </pre>
   *
   * Pairs whose scaled margin already exceeds 1 contribute neither loss nor gradient. At exactly βh = 1
   * the gradient is 0 (PyTorch's relu sub-gradient).
   */
  public static DpoLossOutput hinge(PairLogProbs logProbs, double beta) {
    return compute(DpoLossConfig.hinge(beta), logProbs);
  }

  /**
   * log σ(x) = −softplus(−x) = −log(1 + e^(−x)), element-wise.
   *
   * <p>Written as a softplus because the naive {@code log(sigmoid(x))} underflows: σ(−200) is 0 in float32
   * and its log is −∞, while the true value is −200. PyTorch's softplus returns x itself above x = 20 and
   * log1p(e^x) below, so it is finite for every finite x, and its gradient σ(x) is exact at x = 0 (a
   * hand-written max(x,0) + log(1+e^(−|x|)) would give PyTorch's sub-gradient of |x| there instead).
   */
  public static NDArray logSigmoid(NDArray x) {
    NDManager owner = x.getManager();
    try (NDManager scratch = ScratchScope.open(owner, x)) {
      NDArray result = Activation.softPlus(x.neg()).neg();
      result.attach(owner);
      return result;
    }
  }

  /**
   * x·factor with the factor in libtorch-owned memory. DJL's {@code mul(Number)} wraps the number in a
   * tensor over a Java direct buffer (torch::from_blob) and closes it at once, while autograd keeps it for
   * the backward pass; a GC in between frees it and the gradient reads freed memory.
   */
  private static NDArray times(NDArray x, double factor) {
    return x.mul(x.getManager().full(new Shape(), (float) factor, x.getDataType()));
  }

  // (1 − ε)·softplus(−βh) + ε·softplus(βh), which is the formula above with log σ(x) = −softplus(−x).
  private static NDArray sigmoidLoss(NDArray margin, double beta, double labelSmoothing) {
    NDArray scaled = times(margin, beta);
    NDArray preferChosen = Activation.softPlus(scaled.neg());
    if (labelSmoothing == 0) {
      return preferChosen;
    }
    NDArray preferRejected = Activation.softPlus(scaled);
    return times(preferChosen, 1 - labelSmoothing).add(times(preferRejected, labelSmoothing));
  }

  private static NDArray ipoLoss(NDArray margin, double beta) {
    return margin.sub(1.0 / (2.0 * beta)).square();
  }

  private static NDArray hingeLoss(NDArray margin, double beta) {
    return Activation.relu(times(margin, -beta).add(1.0));
  }

  private static NDArray toFloat32(NDArray array) {
    return array.getDataType() == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
  }

  private static NDArray positiveCounts(String name, NDArray counts) {
    NDArray asFloat = toFloat32(counts);
    if (asFloat.lte(0f).any().getBoolean()) {
      throw new IllegalArgumentException(name + " must be > 0 for every pair to average log-probs");
    }
    return asFloat;
  }
}
