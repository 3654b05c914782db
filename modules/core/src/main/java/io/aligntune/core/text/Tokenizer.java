package io.aligntune.core.text;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A text tokenizer as the trainer and evaluator see it. {@link #encode} never adds special tokens: callers
 * place exactly one BOS at position 0 and an EOS after each supervised completion themselves, so that a
 * prompt tokenized on its own has the same ids as the prompt inside a joined sequence.
 */
public interface Tokenizer {

  /** Token ids of {@code text}, with no BOS/EOS added. */
  int[] encode(String text);

  /**
   * Token ids of a text that continues a sequence (a completion after a prompt). Tokenizers that insert a
   * dummy-prefix space at the start of a text (SentencePiece, llama2.c) must not do so here.
   */
  default int[] encodeContinuation(String text) {
    return encode(text);
  }

  /** Text of {@code ids}; special tokens (BOS/EOS) are dropped. */
  String decode(int[] ids);

  int bosId();

  int eosId();

  /** Id used to pad batches; padding positions are masked, so any valid id works. */
  default int padId() {
    return eosId();
  }

  int vocabSize();

  /** Renders chat messages ({@code role}, {@code content}) with the model's chat template, when it has one. */
  default Optional<String> applyChatTemplate(List<Map<String, String>> messages, boolean addGenerationPrompt) {
    return Optional.empty();
  }
}
