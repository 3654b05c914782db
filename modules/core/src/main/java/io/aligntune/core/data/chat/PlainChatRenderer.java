package io.aligntune.core.data.chat;

import java.util.List;

/**
 * The default rendering for models without a chat template (base models, llama2.c checkpoints): one line
 * per message, {@code role: content}, lines joined by a single {@code \n}; the generation prompt is a last
 * line {@code assistant:}.
 *
 * <pre>
 * system: You are terse.
 * user: Hi
 * assistant: Hello!
 * </pre>
 *
 * The generation prompt ends with the colon, not a space, so that the completion starts with {@code " "}:
 * word-level BPE tokenizers then encode the answer's first word with its leading space as one token, as it
 * would appear mid-text, instead of a lone trailing space token at the end of the prompt (the same reason
 * HH-RLHF transcripts end the prompt at {@code "Assistant:"}).
 */
public final class PlainChatRenderer implements ChatRenderer {

  static final PlainChatRenderer INSTANCE = new PlainChatRenderer();

  private static final long serialVersionUID = 1L;

  private PlainChatRenderer() {}

  @Override
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    StringBuilder text = new StringBuilder();
    for (ChatMessage message : messages) {
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(message.role()).append(": ").append(message.content());
    }
    if (addGenerationPrompt) {
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(ChatMessage.ASSISTANT).append(':');
    }
    return text.toString();
  }

  private Object readResolve() {
    return INSTANCE;
  }
}
