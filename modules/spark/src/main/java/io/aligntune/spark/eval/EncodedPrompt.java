package io.aligntune.spark.eval;

import io.aligntune.core.text.Tokenizer;
import java.util.Arrays;

/**
 * An eval prompt as the model sees it: BOS, then the prompt's tokens (or its chat-template rendering), cut
 * to fit the context.
 *
 * <p>Truncation policy (DESIGN.md "Data": a prompt keeps its end): when BOS + prompt is longer than
 * {@code contextLength − maxNewTokens}, the BOS stays at position 0 and the prompt keeps its last tokens,
 * where the question and (with a chat template) the assistant header are. It is flagged
 * ({@code prompt_truncated}), never silent.
 *
 * @param ids the model input, BOS first
 * @param originalLength BOS + prompt tokens before truncation
 * @param truncated whether tokens were cut
 */
public record EncodedPrompt(int[] ids, int originalLength, boolean truncated) {

  /**
   * @param chatTemplate render {@code prompt} as a user message with the tokenizer's chat template
   * @param contextLength the model's context (max position embeddings)
   * @param maxNewTokens the tokens reserved for the response
   * @throws IllegalArgumentException when no prompt fits (max_new_tokens leaves fewer than 2 positions), or
   *     a chat template is asked for and the tokenizer has none
   */
  public static EncodedPrompt encode(Tokenizer tokenizer, String prompt, boolean chatTemplate, int contextLength,
      int maxNewTokens) {
    int budget = contextLength - maxNewTokens;
    if (budget < 2) {
      throw new IllegalArgumentException("max_new_tokens = " + maxNewTokens + " leaves no room for a prompt in the model's"
          + " context of " + contextLength + " positions; it must be <= " + (contextLength - 2));
    }
    String text = prompt;
    if (chatTemplate) {
      text = EvalTokenizer.renderChat(tokenizer, prompt).orElseThrow(() -> new IllegalArgumentException(
          "chat_template = true but the tokenizer has no chat template; set it to false to send prompts as plain text"));
    }
    int[] body = tokenizer.encode(text);
    int keep = Math.min(body.length, budget - 1);
    int[] ids = new int[keep + 1];
    ids[0] = tokenizer.bosId();
    System.arraycopy(body, body.length - keep, ids, 1, keep);
    return new EncodedPrompt(ids, body.length + 1, keep < body.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedPrompt e && Arrays.equals(ids, e.ids) && originalLength == e.originalLength
        && truncated == e.truncated;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids) * 31 + originalLength;
  }

  @Override
  public String toString() {
    return "EncodedPrompt" + Arrays.toString(ids) + (truncated ? " (cut from " + originalLength + ")" : "");
  }
}
