package io.aligntune.spark.data;

import io.aligntune.core.data.chat.ChatMessage;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.tokenizer.HfTokenizer;
import io.aligntune.model.tokenizer.Tokenizers;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executor JVM's tokenizers, loaded once per {@link TokenizerSource} and shared by every task (a
 * remote file is copied to local disk first, once per content hash). Tokenizers here are immutable and
 * used concurrently by the tasks of a multi-core executor. A JVM holds the few tokenizers its jobs name;
 * none is closed before the JVM ends.
 */
public final class ExecutorTokenizers {

  private static final ConcurrentHashMap<TokenizerSource, Tokenizer> LOADED = new ConcurrentHashMap<>();

  private ExecutorTokenizers() {}

  public static Tokenizer get(TokenizerSource source) {
    return LOADED.computeIfAbsent(source, ExecutorTokenizers::load);
  }

  /**
   * The chat renderer for records tokenized with {@code tokenizer}: its chat template where it has one, else
   * {@link ChatRenderer#plain()}. A Hugging Face template usually writes the BOS token's text first, which
   * would encode to a second BOS after the one the tokenizers place at position 0, so for those the
   * rendering without that leading BOS text is used.
   */
  public static ChatRenderer chatRenderer(Tokenizer tokenizer) {
    if (tokenizer instanceof HfTokenizer hf) {
      return ChatRenderer.guarded((messages, addGenerationPrompt) -> hf
          .applyChatTemplateWithoutBos(messages.stream().map(ChatMessage::asMap).toList(), addGenerationPrompt)
          .orElseGet(() -> ChatRenderer.plain().render(messages, addGenerationPrompt)));
    }
    return ChatRenderer.templateOf(tokenizer);
  }

  private static Tokenizer load(TokenizerSource source) {
    try {
      return Tokenizers.load(HadoopFiles.localCopy(source.uri(), source.contentHash()));
    } catch (IOException e) {
      throw new UncheckedIOException("executor could not load tokenizer " + source.uri() + ": " + e.getMessage(), e);
    }
  }
}
