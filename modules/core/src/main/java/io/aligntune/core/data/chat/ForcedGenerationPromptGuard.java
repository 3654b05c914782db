package io.aligntune.core.data.chat;

import java.util.List;

/**
 * Makes {@code addGenerationPrompt=false} hold for chat templates that ignore it. The first Llama 3 release
 * (still in many tokenizer_config.json files) ends every rendering with the assistant header
 * {@code <|start_header_id|>assistant<|end_header_id|>\n\n}, whatever the flag says. Taken at face value, the
 * rendered assistant turn would be {@code answer<|eot_id|><|start_header_id|>assistant...}: SFT would teach
 * the model to open another assistant turn after answering, and a multi-turn conversation would not render
 * incrementally (the next context does not start with the previous rendering), so it would be rejected.
 *
 * <p>Detection, done once per renderer: the template renders the empty conversation to the same non-empty
 * text with and without the flag (the Llama 3 template renders it to exactly the forced header). That text
 * is then removed from the end of a flag-off rendering, and only when the flag-off rendering equals the
 * flag-on one (the flag was ignored) and ends with it. Templates that honour the flag, that refuse an
 * empty conversation, or that render it with a preamble (a BOS or a default system prompt before the forced
 * header) are passed through unchanged: the boundary between a turn's closing marker and a forced header
 * cannot be found from text alone, so nothing is guessed.
 */
final class ForcedGenerationPromptGuard implements ChatRenderer {

  private static final long serialVersionUID = 1L;

  private final ChatRenderer template;
  /** The text the template appends whatever the flag; "" when it honours the flag. Null until detected. */
  private String forced;

  ForcedGenerationPromptGuard(ChatRenderer template) {
    this.template = template;
  }

  @Override
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    String text = template.render(messages, addGenerationPrompt);
    if (addGenerationPrompt) {
      return text;
    }
    String suffix = forcedSuffix();
    if (!suffix.isEmpty() && text.endsWith(suffix) && text.equals(template.render(messages, true))) {
      return text.substring(0, text.length() - suffix.length());
    }
    return text;
  }

  /** What this template appends regardless of the flag ("" when it honours it). */
  synchronized String forcedSuffix() {
    if (forced == null) {
      String without;
      String with;
      try {
        without = template.render(List.of(), false);
        with = template.render(List.of(), true);
      } catch (RuntimeException e) {
        // templates that raise on an empty conversation cannot be probed; they are taken as written
        without = "";
        with = "";
      }
      forced = !without.isEmpty() && without.equals(with) ? without : "";
    }
    return forced;
  }
}
