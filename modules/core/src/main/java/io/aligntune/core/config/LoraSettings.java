package io.aligntune.core.config;

import io.aligntune.core.model.LoraConfig;
import java.util.List;

/**
 * {@code lora:} — adapters (default) or full fine-tuning.
 *
 * @param lora adapter shape; null when {@code full_fine_tuning: true}
 * @param fullFineTuning train every weight (small models; the driver averages full gradients)
 */
public record LoraSettings(LoraConfig lora, boolean fullFineTuning) {

  static LoraSettings from(ConfigNode n) {
    boolean full = n.bool("full_fine_tuning", false);
    int rank = (int) n.integer("rank", 8, 1, 4096);
    double alpha = n.number("alpha", 16, 1e-9, 1e9);
    double dropout = n.number("dropout", 0.0, 0, 0.99);
    List<String> targets = n.strings("targets", List.of("q", "k", "v", "o"));
    n.rejectUnknown();
    if (targets.isEmpty()) {
      throw n.error(n.path("targets"), "is empty; name at least one of " + LoraConfig.ALLOWED_TARGETS_TEXT);
    }
    for (String t : targets) {
      if (!LoraConfig.ALLOWED_TARGETS.contains(t)) {
        throw n.error(n.path("targets") + ":", "unknown projection '" + t + "'; allowed: " + LoraConfig.ALLOWED_TARGETS_TEXT);
      }
    }
    // rank, alpha and dropout are range-checked above, so LoraConfig accepts what reaches it
    return new LoraSettings(full ? null : new LoraConfig(rank, alpha, dropout, targets), full);
  }
}
