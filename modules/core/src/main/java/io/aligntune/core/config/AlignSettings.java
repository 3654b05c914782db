package io.aligntune.core.config;

import java.util.List;

/**
 * {@code align:} — preference alignment with DPO.
 *
 * @param enabled whether the pipeline may run this phase (the gate may still skip it)
 * @param data preference files (JSONL, JSONL.gz or Parquet; files, folders or globs; any Hadoop URI)
 * @param format auto, prompt_chosen_rejected, chat, hh_transcript, preferred_output or ranked
 * @param maxLength longest sequence (prompt + completion + BOS/EOS) in tokens
 * @param maxPromptLength longest prompt kept (its end) in tokens
 * @param loss sigmoid (DPO), ipo or hinge
 * @param beta DPO temperature β
 * @param labelSmoothing cDPO ε (sigmoid only)
 * @param lora adapters or full fine-tuning
 * @param training optimisation settings
 */
public record AlignSettings(boolean enabled, List<String> data, String format, int maxLength, int maxPromptLength,
    String loss, double beta, double labelSmoothing, LoraSettings lora, TrainingSettings training) {

  public static final List<String> FORMATS =
      List.of("auto", "prompt_chosen_rejected", "chat", "hh_transcript", "preferred_output", "ranked");

  static AlignSettings from(ConfigNode n, boolean present) {
    boolean enabled = n.bool("enabled", present);
    List<String> data = n.strings("data", List.of());
    if (enabled && data.isEmpty()) {
      throw n.error("align.data", "is required (preference files) when align.enabled is true");
    }
    int maxLength = (int) n.integer("max_length", 256, 4, 1 << 20);
    int maxPrompt = (int) n.integer("max_prompt_length", 128, 1, 1 << 20);
    if (maxPrompt >= maxLength - 1) {
      throw n.error("align.max_prompt_length", "(" + maxPrompt + ") must leave room for a completion within max_length ("
          + maxLength + ")");
    }
    String loss = n.choice("loss", "sigmoid", List.of("sigmoid", "ipo", "hinge"));
    double smoothing = n.number("label_smoothing", 0.0, 0, 0.4999);
    if (smoothing > 0 && !loss.equals("sigmoid")) {
      throw n.error("align.label_smoothing", "applies only to loss: sigmoid (cDPO), not " + loss);
    }
    AlignSettings s = new AlignSettings(enabled, data, n.choice("format", "auto", FORMATS), maxLength, maxPrompt, loss,
        n.number("beta", 0.1, 1e-6, 100), smoothing, LoraSettings.from(n.section("lora")),
        TrainingSettings.from(n.section("training"), 100, 5e-4));
    n.rejectUnknown();
    return s;
  }
}
