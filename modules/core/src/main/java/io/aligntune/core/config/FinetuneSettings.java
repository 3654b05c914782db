package io.aligntune.core.config;

import java.util.List;

/**
 * {@code finetune:} — supervised fine-tuning on the task, starting from the aligned weights.
 *
 * @param enabled run this phase (default: true when the section is present)
 * @param data SFT files: JSONL {prompt, completion} / {messages} / {instruction, input, output} / {text},
 *     or a JSON array file (Alpaca)
 * @param format auto, prompt_completion, messages, alpaca or text
 * @param maxLength longest training sequence in tokens
 * @param maxPromptLength longest prompt kept (its end)
 * @param lora adapters or full fine-tuning
 * @param training optimisation settings
 * @param validationFraction share of examples held out for eval loss (deterministic in the seed)
 * @param evalEvery compute eval loss every N steps
 * @param patience stop after this many evaluations without improvement, restoring the best weights
 * @param maxEpochs upper bound on passes over the training split (max_steps is capped to it)
 * @param attentionDropout dropout on attention probabilities during SFT training steps
 * @param residualDropout dropout on residual branches during SFT training steps
 * @param packing pack several short training examples into each row of max_length tokens (first-fit in
 *     example order; attention, rotary positions and labels stay within each example). Applies to the
 *     training split only, after the held-out split is taken; {@code training.global_batch_size} then
 *     counts packed rows. Default false: one padded row per example
 */
public record FinetuneSettings(boolean enabled, List<String> data, String format, int maxLength, int maxPromptLength,
    LoraSettings lora, TrainingSettings training, double validationFraction, long evalEvery, int patience,
    int maxEpochs, double attentionDropout, double residualDropout, boolean packing) {

  public static final List<String> FORMATS = List.of("auto", "prompt_completion", "messages", "alpaca", "text");

  static FinetuneSettings from(ConfigNode n, boolean present) {
    boolean enabled = n.bool("enabled", present);
    List<String> data = n.strings("data", List.of());
    if (enabled && data.isEmpty()) {
      throw n.error("finetune.data", "is required (SFT files) when finetune is enabled");
    }
    int maxLength = (int) n.integer("max_length", 256, 4, 1 << 20);
    int maxPrompt = (int) n.integer("max_prompt_length", 128, 1, 1 << 20);
    if (maxPrompt >= maxLength - 1) {
      throw n.error("finetune.max_prompt_length", "(" + maxPrompt + ") must leave room for a completion within max_length ("
          + maxLength + ")");
    }
    FinetuneSettings s = new FinetuneSettings(enabled, data, n.choice("format", "auto", FORMATS), maxLength, maxPrompt,
        LoraSettings.from(n.section("lora")), TrainingSettings.from(n.section("training"), 100, 1e-3),
        n.number("validation_fraction", 0.1, 0, 0.9), n.integer("eval_every", 10, 1, 100_000_000),
        (int) n.integer("patience", 3, 1, 1000), (int) n.integer("max_epochs", 3, 1, 10_000),
        n.number("attention_dropout", 0.0, 0, 0.9), n.number("residual_dropout", 0.1, 0, 0.9),
        n.bool("packing", false));
    n.rejectUnknown();
    return s;
  }
}
