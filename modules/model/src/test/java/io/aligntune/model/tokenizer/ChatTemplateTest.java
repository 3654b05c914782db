package io.aligntune.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Jinja2 behaviour that Hugging Face templates rely on; needs no assets. */
class ChatTemplateTest {

  private static final List<Map<String, String>> TWO_TURNS = List.of(
      Map.of("role", "user", "content", "hi"),
      Map.of("role", "assistant", "content", "yo"));

  @Test
  void blockTagsEatTheirNewlineAndIndentationLikeTransformers() {
    // transformers renders with trim_blocks and lstrip_blocks: the newline after a block tag and the
    // whitespace before a block tag at the start of a line disappear; text lines keep their indentation.
    String template = "{% for m in messages %}\n"
        + "  {% if m['role'] == 'user' %}\n"
        + "  U: {{ m['content'] }}\n"
        + "  {% else %}\n"
        + "  A: {{ m['content'] }}{{ eos_token }}\n"
        + "  {% endif %}\n"
        + "{% endfor %}\n"
        + "{% if add_generation_prompt %}A:{% endif %}";
    ChatTemplate t = new ChatTemplate(template, Optional.of("<s>"), Optional.of("</s>"));
    assertEquals("  U: hi\n  A: yo</s>\nA:", t.render(TWO_TURNS, true));
    assertEquals("  U: hi\n  A: yo</s>\n", t.render(TWO_TURNS, false));
  }

  @Test
  void loopVariablesAndTestsWork() {
    String template = "{{ bos_token }}{% for m in messages %}{% if loop.first %}[{% endif %}"
        + "{{ loop.index }}:{{ m.role }}{% if not loop.last %},{% else %}]{% endif %}{% endfor %}"
        + "{% if tools is defined %}tools{% endif %}{{ messages | length }}";
    ChatTemplate t = new ChatTemplate(template, Optional.of("<s>"), Optional.empty());
    assertEquals("<s>[1:user,2:assistant]2", t.render(TWO_TURNS, false));
  }

  @Test
  void raiseExceptionCarriesTheTemplatesMessage() {
    String template = "{% if messages[0]['role'] != 'system' %}"
        + "{{ raise_exception('Conversation must start with a system message, not ' + messages[0]['role']) }}"
        + "{% endif %}ok";
    ChatTemplate t = new ChatTemplate(template, Optional.empty(), Optional.empty());
    ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(TWO_TURNS, true));
    assertEquals("Conversation must start with a system message, not user", e.getMessage());
  }

  @Test
  void aBrokenTemplateFailsWithJinjavasDescription() {
    ChatTemplate t = new ChatTemplate("{% for m in messages %}{{ m.content }}", Optional.empty(), Optional.empty());
    ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(TWO_TURNS, true));
    assertTrue(e.getMessage().startsWith("chat template failed to render"), e.getMessage());
  }
}
