package io.aligntune.core.model;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * Low-rank adapters (Hu et al. 2021, "LoRA"): for each targeted projection W, the layer computes
 * {@code x·Wᵀ + (alpha/rank)·dropout(x)·Aᵀ·Bᵀ} with A [rank, in] random and B [out, rank] zero at start,
 * so a fresh adapter leaves the model unchanged.
 *
 * @param rank adapter rank r (typ. 8–64)
 * @param alpha scaling numerator; the update is scaled by alpha / rank
 * @param dropout dropout on the adapter's input during training, in [0, 1)
 * @param targets projection names among {@link #ALLOWED_TARGETS}
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targets) implements Serializable {

  /** Short names of the projections an adapter can wrap, as PEFT's target_modules spell them. */
  public static final Set<String> ALLOWED_TARGETS = Set.of("q", "k", "v", "o", "gate", "up", "down");

  /** {@link #ALLOWED_TARGETS} in layer order, for messages. */
  public static final String ALLOWED_TARGETS_TEXT = "q, k, v, o, gate, up, down";

  public LoraConfig {
    if (rank <= 0) {
      throw new IllegalArgumentException("lora.rank must be a positive integer, got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("lora.alpha must be a positive finite number, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("lora.dropout must be in [0, 1), got " + dropout);
    }
    if (targets == null || targets.isEmpty()) {
      throw new IllegalArgumentException("lora.targets must name at least one of " + ALLOWED_TARGETS_TEXT);
    }
    for (String t : targets) {
      if (!ALLOWED_TARGETS.contains(t)) {
        throw new IllegalArgumentException("lora.targets: unknown projection '" + t + "'; allowed: " + ALLOWED_TARGETS_TEXT);
      }
    }
    targets = List.copyOf(targets);
  }

  public double scale() {
    return alpha / rank;
  }

  /** The HF module path of a target in layer {@code layer}, e.g. {@code model.layers.0.self_attn.q_proj}. */
  public static String modulePath(int layer, String target) {
    String group = switch (target) {
      case "q", "k", "v", "o" -> "self_attn";
      case "gate", "up", "down" -> "mlp";
      default -> throw new IllegalArgumentException("unknown LoRA target " + target);
    };
    return "model.layers." + layer + "." + group + "." + target + "_proj";
  }
}
