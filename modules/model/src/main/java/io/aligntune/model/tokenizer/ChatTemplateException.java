package io.aligntune.model.tokenizer;

/**
 * A chat template could not be rendered: it called {@code raise_exception(message)} (the message is kept
 * as is, e.g. "Conversation roles must alternate user/assistant/user/assistant/...") or it failed to parse
 * or evaluate.
 */
public final class ChatTemplateException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ChatTemplateException(String message) {
    super(message);
  }
}
