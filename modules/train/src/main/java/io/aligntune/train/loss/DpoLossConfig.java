package io.aligntune.train.loss;

/**
 * Which DPO-family loss to use and its constants. Validated on construction.
 *
 * @param type the objective
 * @param beta inverse temperature β of the implicit reward β·(log π − log π_ref); TRL's default is 0.1.
 *     Must be finite and positive: β = 0 would make every DPO variant constant (IPO divides by it)
 * @param labelSmoothing ε of conservative DPO: the assumed probability that a preference label is flipped.
 *     Must lie in [0, 0.5): at 0.5 the labels carry no information and the loss no longer prefers either
 *     answer. Only the sigmoid loss uses it, so a non-zero value with another loss is rejected rather than
 *     silently ignored
 * @param ipoAverageLogProbs for IPO only: divide each completion's summed log-prob by its token count before
 *     forming the margin, as the IPO paper's experiments and TRL do. With summed log-probs the 1/(2β) target
 *     margin is in units of whole sequences, so the right β depends on completion length
 */
public record DpoLossConfig(
    DpoLossType type, double beta, double labelSmoothing, boolean ipoAverageLogProbs)
    implements java.io.Serializable {

  /** TRL's default β. */
  public static final double DEFAULT_BETA = 0.1;

  public DpoLossConfig {
    if (type == null) {
      throw new IllegalArgumentException(
          "loss_type is required; allowed values: " + DpoLossType.allowedValues());
    }
    if (!(beta > 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("beta = " + beta + " is invalid; it must be finite and > 0");
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
      throw new IllegalArgumentException(
          "label_smoothing = " + labelSmoothing + " is invalid; it must lie in [0, 0.5)");
    }
    if (labelSmoothing != 0 && type != DpoLossType.SIGMOID) {
      throw new IllegalArgumentException(
          "label_smoothing = " + labelSmoothing + " applies only to loss_type sigmoid, not "
              + type.configName() + "; set it to 0");
    }
    if (ipoAverageLogProbs && type != DpoLossType.IPO) {
      throw new IllegalArgumentException(
          "ipo_average_log_probs applies only to loss_type ipo, not " + type.configName());
    }
  }

  /** Plain DPO: sigmoid loss, no label smoothing. */
  public static DpoLossConfig sigmoid(double beta) {
    return new DpoLossConfig(DpoLossType.SIGMOID, beta, 0.0, false);
  }

  /** Conservative DPO: sigmoid loss with label smoothing ε. */
  public static DpoLossConfig conservative(double beta, double labelSmoothing) {
    return new DpoLossConfig(DpoLossType.SIGMOID, beta, labelSmoothing, false);
  }

  /** IPO; {@code averageLogProbs} as in {@link #ipoAverageLogProbs()}. */
  public static DpoLossConfig ipo(double beta, boolean averageLogProbs) {
    return new DpoLossConfig(DpoLossType.IPO, beta, 0.0, averageLogProbs);
  }

  /** SLiC hinge loss. */
  public static DpoLossConfig hinge(double beta) {
    return new DpoLossConfig(DpoLossType.HINGE, beta, 0.0, false);
  }
}
