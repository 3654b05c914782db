package io.aligntune.core.data.chat;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation, as in the Hugging Face / OpenAI {@code messages} format.
 *
 * @param role {@code system}, {@code user}, {@code assistant}, or whatever else the chat template knows;
 *     never blank
 * @param content the message text, kept exactly as given
 */
public record ChatMessage(String role, String content) implements Serializable {

  public static final String ASSISTANT = "assistant";

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
    if (role.isBlank()) {
      throw new IllegalArgumentException("a chat message role must not be blank");
    }
  }

  public static ChatMessage assistant(String content) {
    return new ChatMessage(ASSISTANT, content);
  }

  public boolean isAssistant() {
    return ASSISTANT.equals(role);
  }

  /** The {@code {role, content}} map that {@code Tokenizer.applyChatTemplate} takes. */
  public Map<String, String> asMap() {
    return Map.of("role", role, "content", content);
  }
}
