package io.aligntune.core.data.chat;

import io.aligntune.core.text.Tokenizer;
import java.io.Serializable;
import java.util.List;

/**
 * Renders a conversation to the text a model is trained on, usually with the model's chat template.
 *
 * <p>Prompt/completion boundaries are found by rendering prefixes of a conversation (see
 * {@link RenderedConversation}), so a renderer must be incremental: the rendering of a conversation with
 * {@code addGenerationPrompt=true} must be a prefix of the rendering of the same conversation continued by
 * an assistant message, and a rendering with {@code addGenerationPrompt=false} must be a prefix of the
 * rendering of any longer conversation. The templates of Llama 2/3, Mistral, Zephyr and ChatML are; a
 * template that rewrites earlier turns (for example one that drops past reasoning) is not, and its records
 * are rejected with {@code chat_template_not_prefix} rather than trained on a wrong boundary.
 */
@FunctionalInterface
public interface ChatRenderer extends Serializable {

  /**
   * @param messages the conversation so far, in order
   * @param addGenerationPrompt whether to end with the marker that opens an assistant turn (the text a
   *     model sees before it starts answering)
   */
  String render(List<ChatMessage> messages, boolean addGenerationPrompt);

  /** The documented default for tokenizers without a chat template: {@link PlainChatRenderer}. */
  static ChatRenderer plain() {
    return PlainChatRenderer.INSTANCE;
  }

  /**
   * The tokenizer's chat template where it has one, else {@link #plain()}. The choice is made per call,
   * since {@link Tokenizer#applyChatTemplate} only says by returning empty. Serializable only when the
   * tokenizer is; on Spark executors build it from the executor's tokenizer instead of shipping it. A
   * template that appends the generation prompt whatever the flag says (the first Llama 3 release) is
   * corrected by {@link ForcedGenerationPromptGuard}.
   */
  static ChatRenderer templateOf(Tokenizer tokenizer) {
    ChatRenderer template = (messages, addGenerationPrompt) -> tokenizer
        .applyChatTemplate(messages.stream().map(ChatMessage::asMap).toList(), addGenerationPrompt)
        .orElseGet(() -> PlainChatRenderer.INSTANCE.render(messages, addGenerationPrompt));
    return guarded(template);
  }

  /**
   * {@code template} with {@code addGenerationPrompt=false} made to hold for templates that ignore it (see
   * {@link ForcedGenerationPromptGuard}); every renderer built from a tokenizer's chat template goes through
   * this.
   */
  static ChatRenderer guarded(ChatRenderer template) {
    return new ForcedGenerationPromptGuard(template);
  }
}
