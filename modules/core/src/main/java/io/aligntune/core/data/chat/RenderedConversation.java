package io.aligntune.core.data.chat;

import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the rendered text of a conversation into what the model reads and what it is trained to write,
 * by rendering growing prefixes of the conversation and taking differences (the approach TRL uses for
 * conversational data). For an assistant message at position {@code i}:
 * <ul>
 *   <li>context = {@code render(messages[0..i), addGenerationPrompt=true)}, which ends with the template's
 *       assistant header;
 *   <li>assistant turn = {@code render(messages[0..i], false)} minus that context: the content plus whatever
 *       the template closes a turn with (Llama 3's {@code <|eot_id|>}), which the model must learn to emit.
 * </ul>
 * Taking text differences keeps every character of the template exactly once and in order, so the
 * concatenation of the segments is the rendering of the whole conversation. When a renderer is not
 * incremental (see {@link ChatRenderer}) the record is rejected with
 * {@link RejectReason#CHAT_TEMPLATE_NOT_PREFIX}.
 */
public final class RenderedConversation {

  /**
   * A piece of rendered conversation text.
   *
   * @param text rendered text, never empty
   * @param assistant whether it is an assistant turn (trained on) rather than context
   */
  public record Turn(String text, boolean assistant) {}

  private RenderedConversation() {}

  /** The prompt text: {@code prompt} rendered with the generation prompt. */
  public static String promptText(ChatRenderer renderer, List<ChatMessage> prompt) {
    return renderer.render(prompt, true);
  }

  /**
   * The text that {@code assistant} adds after {@link #promptText}. {@code field} names the record field
   * the assistant message came from, for the reject.
   */
  public static String completionText(ChatRenderer renderer, List<ChatMessage> prompt, ChatMessage assistant,
      String field) {
    String context = renderer.render(prompt, true);
    List<ChatMessage> continued = new ArrayList<>(prompt);
    continued.add(assistant);
    String full = renderer.render(continued, false);
    return suffixAfter(context, full, field, "the conversation with its assistant answer", true);
  }

  /**
   * The whole conversation as alternating context and assistant turns; messages after the last assistant
   * message are kept as a final context turn (they are not trained on, but they were in the data). Empty
   * context pieces (two assistant messages in a row under a template that adds no text between them) are
   * left out.
   */
  public static List<Turn> turns(ChatRenderer renderer, List<ChatMessage> conversation, String field) {
    List<Turn> turns = new ArrayList<>();
    String emitted = "";
    for (int i = 0; i < conversation.size(); i++) {
      if (!conversation.get(i).isAssistant()) {
        continue;
      }
      String context = renderer.render(conversation.subList(0, i), true);
      String contextPart = suffixAfter(emitted, context, field, "the conversation up to message " + i, false);
      if (!contextPart.isEmpty()) {
        turns.add(new Turn(contextPart, false));
      }
      String withAnswer = renderer.render(conversation.subList(0, i + 1), false);
      String answer = suffixAfter(context, withAnswer, field + "[" + i + "]", "assistant message " + i, true);
      turns.add(new Turn(answer, true));
      emitted = withAnswer;
    }
    if (turns.isEmpty()) {
      throw new RecordRejection(field, RejectReason.INVALID_VALUE, "the conversation has no assistant message");
    }
    String whole = renderer.render(conversation, false);
    String trailing = suffixAfter(emitted, whole, field, "the whole conversation", false);
    if (!trailing.isEmpty()) {
      turns.add(new Turn(trailing, false));
    }
    return turns;
  }

  private static String suffixAfter(String prefix, String text, String field, String what, boolean mustAddText) {
    if (!text.startsWith(prefix)) {
      throw new RecordRejection(field, RejectReason.CHAT_TEMPLATE_NOT_PREFIX,
          "the chat renderer's text for " + what + " does not start with its text for the part before it");
    }
    String suffix = text.substring(prefix.length());
    if (mustAddText && suffix.isEmpty()) {
      throw new RecordRejection(field, RejectReason.CHAT_TEMPLATE_NOT_PREFIX,
          "the chat renderer adds no text for " + what);
    }
    return suffix;
  }
}
