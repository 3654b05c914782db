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
    try {
      return new LoraSettings(full ? null : new LoraConfig(rank, alpha, dropout, targets), full);
    } catch (IllegalArgumentException e) {
      throw n.error("lora", e.getMessage());
    }
  }
}
