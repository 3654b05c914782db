package io.aligntune.core.data;

import io.aligntune.core.text.Tokenizer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * A deterministic test tokenizer: one id per Unicode code point ({@code codePoint + 4}), BOS=1, EOS=2. Like
 * SentencePiece it can put a dummy-prefix marker (id 3) in front of {@link #encode} but never in front of
 * {@link #encodeContinuation}, so tests can see which of the two encoded each part of a sequence.
 */
public final class CharTokenizer implements Tokenizer {

  public static final int BOS = 1;
  public static final int EOS = 2;
  public static final int DUMMY_PREFIX = 3;
  private static final int OFFSET = 4;

  private final boolean dummyPrefix;
  private final BiFunction<List<Map<String, String>>, Boolean, String> chatTemplate;

  private CharTokenizer(boolean dummyPrefix, BiFunction<List<Map<String, String>>, Boolean, String> chatTemplate) {
    this.dummyPrefix = dummyPrefix;
    this.chatTemplate = chatTemplate;
  }

  /** No dummy prefix: {@code encode} and {@code encodeContinuation} agree. */
  public static CharTokenizer plain() {
    return new CharTokenizer(false, null);
  }

  /** {@code encode} starts with {@link #DUMMY_PREFIX}. */
  public static CharTokenizer withDummyPrefix() {
    return new CharTokenizer(true, null);
  }

  public static CharTokenizer withChatTemplate(BiFunction<List<Map<String, String>>, Boolean, String> template) {
    return new CharTokenizer(false, template);
  }

  /** The id of a character. */
  public static int id(char c) {
    return c + OFFSET;
  }

  /** The ids of a text, as {@link #encodeContinuation} gives them. */
  public static int[] ids(String text) {
    return text.codePoints().map(cp -> cp + OFFSET).toArray();
  }

  @Override
  public int[] encode(String text) {
    int[] chars = ids(text);
    if (!dummyPrefix) {
      return chars;
    }
    int[] withPrefix = new int[chars.length + 1];
    withPrefix[0] = DUMMY_PREFIX;
    System.arraycopy(chars, 0, withPrefix, 1, chars.length);
    return withPrefix;
  }

  @Override
  public int[] encodeContinuation(String text) {
    return ids(text);
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder text = new StringBuilder();
    for (int id : ids) {
      if (id == DUMMY_PREFIX) {
        text.append(' ');
      } else if (id >= OFFSET) {
        text.appendCodePoint(id - OFFSET);
      }
    }
    return text.toString();
  }

  @Override
  public int bosId() {
    return BOS;
  }

  @Override
  public int eosId() {
    return EOS;
  }

  @Override
  public int vocabSize() {
    return Character.MAX_CODE_POINT + 1 + OFFSET;
  }

  @Override
  public Optional<String> applyChatTemplate(List<Map<String, String>> messages, boolean addGenerationPrompt) {
    return chatTemplate == null ? Optional.empty() : Optional.of(chatTemplate.apply(messages, addGenerationPrompt));
  }
}
