package io.aligntune.spark.eval;

import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.llama.TextGenerator;
import java.io.Serial;
import java.io.Serializable;
import java.util.Set;

/**
 * How responses to eval prompts are generated.
 *
 * @param maxNewTokens most tokens generated per response, > 0; prompts are cut (keeping their end) to the
 *     model's context minus this, so that every response has room for all of them
 * @param batchSize prompts per generation batch on an executor (left-padded, one KV cache), > 0
 * @param temperature 0 = greedy decoding, the default for evaluation: the same model gives the same
 *     answers, so a change in pass rate is the model's, not the sampler's; > 0 samples
 * @param topP nucleus sampling mass in (0, 1]; 1 = off
 * @param seed sampler seed (only matters when temperature > 0)
 * @param chatTemplate wrap each prompt as a user message in the tokenizer's chat template (the job fails
 *     when the tokenizer has none, rather than silently evaluating a different prompt format)
 * @param stopIds ids that end a response; empty = the tokenizer's EOS, plus BOS for llama2.c tokenizers
 */
public record GenerationSettings(int maxNewTokens, int batchSize, double temperature, double topP, long seed,
    boolean chatTemplate, Set<Integer> stopIds) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  public GenerationSettings {
    if (maxNewTokens <= 0) {
      throw new IllegalArgumentException("max_new_tokens = " + maxNewTokens + " is invalid; it must be > 0");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch_size = " + batchSize + " is invalid; it must be > 0");
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature = " + temperature + " is invalid; it must be finite and >= 0 (0 = greedy)");
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p = " + topP + " is invalid; it must lie in (0, 1]");
    }
    stopIds = Set.copyOf(stopIds == null ? Set.of() : stopIds);
  }

  /** Greedy decoding of at most {@code maxNewTokens}, {@code batchSize} prompts a batch, no chat template. */
  public static GenerationSettings greedy(int maxNewTokens, int batchSize) {
    return new GenerationSettings(maxNewTokens, batchSize, 0, 1, 0, false, Set.of());
  }

  public GenerationSettings withBatchSize(int size) {
    return new GenerationSettings(maxNewTokens, size, temperature, topP, seed, chatTemplate, stopIds);
  }

  public GenerationSettings withChatTemplate(boolean chat) {
    return new GenerationSettings(maxNewTokens, batchSize, temperature, topP, seed, chat, stopIds);
  }

  public GenerationSettings withStopIds(Set<Integer> ids) {
    return new GenerationSettings(maxNewTokens, batchSize, temperature, topP, seed, chatTemplate, ids);
  }

  /** The generator's options for one batch; {@code batchSeed} seeds its first row. */
  TextGenerator.Options options(Tokenizer tokenizer, long batchSeed) {
    Set<Integer> stops = stopIds.isEmpty() ? EvalTokenizer.defaultStopIds(tokenizer) : stopIds;
    return new TextGenerator.Options(maxNewTokens, temperature, topP, batchSeed, stops);
  }
}
