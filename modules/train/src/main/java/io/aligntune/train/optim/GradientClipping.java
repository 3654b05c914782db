package io.aligntune.train.optim;

import io.aligntune.core.tensor.HostTensor;
import java.util.Map;

/**
 * Clipping by the global L2 norm over all gradients together (Pascanu et al. 2013, "On the difficulty of
 * training recurrent neural networks"), as {@code torch.nn.utils.clip_grad_norm_} does:
 *
 * <pre>
 *   n = √(Σ_tensors Σ_i g_i²)
 *   c = maxNorm / (n + 1e-6)
 *   if c &lt; 1:  g ← g · c
 * </pre>
 *
 * Scaling all tensors by one factor keeps the update's direction. The 1e-6 is PyTorch's guard against a
 * zero norm; keeping it (and its placement) means a clipped step here equals a PyTorch/TRL run's.
 */
public final class GradientClipping {

  /** PyTorch's guard in the clip coefficient's denominator. */
  static final double NORM_GUARD = 1e-6;

  private GradientClipping() {}

  /** The global L2 norm over all tensors, accumulated in double. */
  public static double globalNorm(Map<String, HostTensor> gradients) {
    double sumOfSquares = 0;
    for (HostTensor gradient : gradients.values()) {
      for (float g : gradient.data()) {
        sumOfSquares += (double) g * g;
      }
    }
    return Math.sqrt(sumOfSquares);
  }

  /**
   * Scales {@code gradients} in place so that their global norm is at most {@code maxNorm}.
   *
   * <p>A non-finite norm (a NaN or an overflow somewhere) leaves the gradients untouched: scaling by 0 or
   * NaN would hide the fault. The caller sees the norm and must skip the update.
   *
   * @param maxNorm the largest norm allowed, > 0 (positive infinity disables clipping)
   * @return the norm before clipping, which TRL logs as {@code grad_norm}
   */
  public static double clipByGlobalNorm(Map<String, HostTensor> gradients, double maxNorm) {
    if (!(maxNorm > 0)) {
      throw new IllegalArgumentException("max_grad_norm = " + maxNorm + " is invalid; it must be > 0");
    }
    double norm = globalNorm(gradients);
    double scale = maxNorm / (norm + NORM_GUARD);
    if (Double.isFinite(norm) && scale < 1) {
      for (HostTensor gradient : gradients.values()) {
        float[] data = gradient.data();
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) (data[i] * scale);
        }
      }
    }
    return norm;
  }
}
