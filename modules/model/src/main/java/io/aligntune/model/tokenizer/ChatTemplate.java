package io.aligntune.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A Hugging Face chat template ({@code chat_template}, Jinja2) rendered with jinjava, set up the way
 * transformers' {@code apply_chat_template} sets up Jinja2: {@code trim_blocks} and {@code lstrip_blocks}
 * on; variables {@code messages}, {@code bos_token}, {@code eos_token} (when known) and
 * {@code add_generation_prompt}; and a {@code raise_exception(message)} function that aborts rendering
 * with a {@link ChatTemplateException} carrying the template's message.
 *
 * <p>Message contents are data, never template code: jinjava's nested interpretation is off, so a user
 * message containing {@code {{ ... }}} comes out literally. Thread-safe.
 */
public final class ChatTemplate {

  private final String template;
  private final Optional<String> bosToken;
  private final Optional<String> eosToken;
  private final Jinjava jinjava;

  public ChatTemplate(String template, Optional<String> bosToken, Optional<String> eosToken) {
    this.template = Objects.requireNonNull(template, "template");
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withNestedInterpretationEnabled(false)
        // Jinja2 semantics where jinjava's historical defaults differ (e.g. `a + b | trim` filters b only).
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .build())
        .build());
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "raise_exception", raiseExceptionMethod()));
  }

  /**
   * Renders {@code messages} (each with {@code role} and {@code content}). The text is what transformers
   * would produce; it usually starts with the BOS token's text (see
   * {@link HfTokenizer#applyChatTemplateWithoutBos}).
   *
   * @throws ChatTemplateException when the template raises an exception or fails to render
   */
  public String render(List<Map<String, String>> messages, boolean addGenerationPrompt) {
    Map<String, Object> bindings = new HashMap<>();
    bindings.put("messages", messages);
    bindings.put("add_generation_prompt", addGenerationPrompt);
    bosToken.ifPresent(t -> bindings.put("bos_token", t));
    eosToken.ifPresent(t -> bindings.put("eos_token", t));
    RenderResult result = jinjava.renderForResult(template, bindings);
    List<TemplateError> fatal = result.getErrors().stream()
        .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
        .collect(Collectors.toList());
    if (!fatal.isEmpty()) {
      throw failure(fatal);
    }
    return result.getOutput();
  }

  /** The template's own message when it called raise_exception, else jinjava's error descriptions. */
  private static ChatTemplateException failure(List<TemplateError> fatal) {
    List<String> descriptions = new ArrayList<>();
    for (TemplateError error : fatal) {
      for (Throwable t = error.getException(); t != null; t = t.getCause()) {
        if (t instanceof ChatTemplateException raised) {
          return raised;
        }
      }
      descriptions.add(error.getMessage() + " (line " + error.getLineno() + ")");
    }
    return new ChatTemplateException("chat template failed to render: " + String.join("; ", descriptions));
  }

  private static Method raiseExceptionMethod() {
    try {
      Method method = ChatTemplate.class.getDeclaredMethod("raiseException", String.class);
      // jinjava calls it reflectively from its own package; the method stays out of this class's API.
      method.setAccessible(true);
      return method;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unused") // called by templates as raise_exception(message)
  private static Object raiseException(String message) {
    throw new ChatTemplateException(message);
  }
}
