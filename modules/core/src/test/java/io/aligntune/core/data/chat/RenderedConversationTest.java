package io.aligntune.core.data.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aligntune.core.data.CharTokenizer;
import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.chat.RenderedConversation.Turn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RenderedConversationTest {

  private static final ChatMessage SYSTEM = new ChatMessage("system", "Be brief.");
  private static final ChatMessage USER_1 = new ChatMessage("user", "Hi");
  private static final ChatMessage ASSISTANT_1 = ChatMessage.assistant("Hello!");
  private static final ChatMessage USER_2 = new ChatMessage("user", "Bye");
  private static final ChatMessage ASSISTANT_2 = ChatMessage.assistant("See you.");

  /** A Llama-3-like template written for the test: header per message, end-of-turn marker after content. */
  static String llama3Like(List<Map<String, String>> messages, boolean addGenerationPrompt) {
    StringBuilder text = new StringBuilder("<bos>");
    for (Map<String, String> m : messages) {
      text.append("<h>").append(m.get("role")).append("</h>\n\n").append(m.get("content")).append("<eot>");
    }
    if (addGenerationPrompt) {
      text.append("<h>assistant</h>\n\n");
    }
    return text.toString();
  }

  /**
   * Like the first Llama 3 release's template: BOS text before the first message only, and the assistant
   * header appended whatever the flag says (so the empty conversation renders to exactly that header).
   */
  static String llama3IgnoringTheFlag(List<Map<String, String>> messages, boolean addGenerationPrompt) {
    String text = llama3Like(messages, true);
    return messages.isEmpty() ? text.substring("<bos>".length()) : text;
  }

  @Test
  void aTemplateThatAlwaysAppendsTheAssistantHeaderIsCorrected() {
    ChatRenderer ignoring = ChatRenderer.templateOf(
        CharTokenizer.withChatTemplate(RenderedConversationTest::llama3IgnoringTheFlag));
    // the answer ends at its end-of-turn marker, as with a template that honours the flag
    assertEquals("Hello!<eot>", RenderedConversation.completionText(ignoring, List.of(USER_1), ASSISTANT_1, "chosen"));
    assertEquals("<bos><h>user</h>\n\nHi<eot><h>assistant</h>\n\n", RenderedConversation.promptText(ignoring, List.of(USER_1)));
    // multi-turn renders incrementally again (it was rejected as chat_template_not_prefix), turn by turn
    // the same as under the honouring template
    List<ChatMessage> conversation = List.of(SYSTEM, USER_1, ASSISTANT_1, USER_2, ASSISTANT_2);
    ChatRenderer honouring = ChatRenderer.templateOf(CharTokenizer.withChatTemplate(RenderedConversationTest::llama3Like));
    assertEquals(RenderedConversation.turns(honouring, conversation, "messages"),
        RenderedConversation.turns(ignoring, conversation, "messages"));
  }

  @Test
  void templatesThatHonourTheFlagOrCannotRenderNothingAreUntouched() {
    ChatRenderer honouring = ChatRenderer.templateOf(CharTokenizer.withChatTemplate(RenderedConversationTest::llama3Like));
    assertEquals("<bos><h>user</h>\n\nHi<eot>", honouring.render(List.of(USER_1), false));
    ChatRenderer refusesEmpty = ChatRenderer.templateOf(CharTokenizer.withChatTemplate((messages, gen) -> {
      if (messages.isEmpty()) {
        throw new IllegalArgumentException("conversation roles must alternate");
      }
      return llama3Like(messages, true);
    }));
    assertEquals("<bos><h>user</h>\n\nHi<eot><h>assistant</h>\n\n", refusesEmpty.render(List.of(USER_1), false),
        "a template that cannot be probed is taken as written");
  }

  @Test
  void plainRendererLayout() {
    ChatRenderer plain = ChatRenderer.plain();
    assertEquals("system: Be brief.\nuser: Hi\nassistant:", plain.render(List.of(SYSTEM, USER_1), true));
    assertEquals("user: Hi\nassistant: Hello!", plain.render(List.of(USER_1, ASSISTANT_1), false));
    assertEquals("assistant:", plain.render(List.of(), true));
  }

  @Test
  void completionIsWhatTheAssistantMessageAdds() {
    assertEquals(" Hello!", RenderedConversation.completionText(ChatRenderer.plain(), List.of(USER_1), ASSISTANT_1, "chosen"));
    ChatRenderer template = ChatRenderer.templateOf(CharTokenizer.withChatTemplate(RenderedConversationTest::llama3Like));
    assertEquals("<bos><h>user</h>\n\nHi<eot><h>assistant</h>\n\n", RenderedConversation.promptText(template, List.of(USER_1)));
    assertEquals("Hello!<eot>", RenderedConversation.completionText(template, List.of(USER_1), ASSISTANT_1, "chosen"));
  }

  @Test
  void turnsAlternateAndConcatenateToTheWholeRendering() {
    List<ChatMessage> conversation = List.of(SYSTEM, USER_1, ASSISTANT_1, USER_2, ASSISTANT_2);
    List<Turn> turns = RenderedConversation.turns(ChatRenderer.plain(), conversation, "messages");
    assertEquals(List.of(
        new Turn("system: Be brief.\nuser: Hi\nassistant:", false),
        new Turn(" Hello!", true),
        new Turn("\nuser: Bye\nassistant:", false),
        new Turn(" See you.", true)), turns);
    ChatRenderer template = ChatRenderer.templateOf(CharTokenizer.withChatTemplate(RenderedConversationTest::llama3Like));
    List<Turn> templated = RenderedConversation.turns(template, conversation, "messages");
    String joined = templated.stream().map(Turn::text).reduce("", String::concat);
    assertEquals(template.render(conversation, false), joined);
    assertEquals(new Turn("See you.<eot>", true), templated.get(3));
  }

  @Test
  void messagesAfterTheLastAnswerStayAsContext() {
    List<Turn> turns = RenderedConversation.turns(ChatRenderer.plain(), List.of(USER_1, ASSISTANT_1, USER_2), "messages");
    assertEquals(new Turn("\nuser: Bye", false), turns.get(2));
  }

  @Test
  void conversationWithoutAnswerIsRejected() {
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> RenderedConversation.turns(ChatRenderer.plain(), List.of(USER_1), "messages"));
    assertEquals(RejectReason.INVALID_VALUE, rejection.reason());
  }

  @Test
  void nonIncrementalTemplateIsRejectedNotGuessed() {
    // Like templates that drop earlier reasoning: the rendering of a prefix is not a prefix of the whole.
    ChatRenderer rewriting = (messages, gen) -> messages.size() + " messages" + (gen ? " >" : "");
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> RenderedConversation.completionText(rewriting, List.of(USER_1), ASSISTANT_1, "chosen"));
    assertEquals(RejectReason.CHAT_TEMPLATE_NOT_PREFIX, rejection.reason());
    assertEquals("chosen", rejection.field());
  }
}
