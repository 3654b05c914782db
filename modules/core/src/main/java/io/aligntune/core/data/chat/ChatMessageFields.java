package io.aligntune.core.data.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.data.RecordFields;
import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code messages}-style fields of a JSON record: arrays of {@code {"role", "content"}} objects, with
 * the failing element named in the reject ({@code input.messages[1].content}).
 *
 * <p>Content must be text with a non-whitespace character, except for {@code system} messages, which may
 * be empty: OpenOrca-derived data carries empty system prompts on purpose, and rendering them is the chat
 * template's business. Content given as a list of typed parts (multimodal) is {@code wrong_type}.
 */
public final class ChatMessageFields {

  private static final String SYSTEM = "system";

  private ChatMessageFields() {}

  /** A non-empty array of messages. */
  public static List<ChatMessage> conversation(JsonNode value, String path) {
    if (!value.isArray()) {
      throw RecordFields.wrongType(path, value, "an array of {role, content} messages");
    }
    if (value.isEmpty()) {
      throw new RecordRejection(path, RejectReason.EMPTY_FIELD, "'" + path + "' has no messages");
    }
    List<ChatMessage> messages = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      messages.add(message(value.get(i), path + "[" + i + "]"));
    }
    return messages;
  }

  /**
   * A prompt conversation: non-empty, and not ending with an assistant message (the generation prompt would
   * open a second assistant turn right after it).
   */
  public static List<ChatMessage> prompt(JsonNode value, String path) {
    List<ChatMessage> messages = conversation(value, path);
    if (messages.get(messages.size() - 1).isAssistant()) {
      throw new RecordRejection(path, RejectReason.INVALID_VALUE,
          "the prompt conversation ends with an assistant message; the answer belongs in the completion");
    }
    return messages;
  }

  /**
   * The assistant answer of a completion field, given either as text or as a list of exactly one
   * {@code assistant} message (the TRL conversational and OpenAI preference layouts).
   */
  public static ChatMessage assistantAnswer(JsonNode value, String path) {
    if (value.isTextual()) {
      return ChatMessage.assistant(RecordFields.text(value, path));
    }
    if (!value.isArray()) {
      throw RecordFields.wrongType(path, value, "text or a list with one assistant message");
    }
    if (value.size() != 1) {
      throw new RecordRejection(path, RejectReason.INVALID_VALUE,
          "expected exactly one assistant message, found " + value.size() + " messages");
    }
    ChatMessage message = message(value.get(0), path + "[0]");
    if (!message.isAssistant()) {
      throw new RecordRejection(path + "[0].role", RejectReason.INVALID_VALUE,
          "expected role 'assistant', found '" + message.role() + "'");
    }
    return message;
  }

  private static ChatMessage message(JsonNode element, String path) {
    if (!element.isObject()) {
      throw RecordFields.wrongType(path, element, "a {role, content} object");
    }
    String role = RecordFields.requireText(element, "role", path + ".role");
    JsonNode content = RecordFields.require(element, "content", path + ".content");
    if (SYSTEM.equals(role) && content.isTextual()) {
      return new ChatMessage(role, content.textValue());
    }
    return new ChatMessage(role, RecordFields.text(content, path + ".content"));
  }
}
