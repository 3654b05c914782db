package io.aligntune.model.io;

import io.aligntune.core.model.LlamaConfig;
import java.util.List;
import java.util.Optional;

/**
 * What {@link HfConfigReader} takes from a Hugging Face {@code config.json}: the architecture, plus the
 * details {@link LlamaConfig} has no room for.
 *
 * @param llama the architecture ({@code eosTokenId} is the first of {@code eosTokenIds})
 * @param eosTokenIds every end-of-sequence id (Llama 3.1 lists several; most models list one)
 * @param modelType {@code model_type}, e.g. "llama" or "mistral"
 * @param torchDtype {@code torch_dtype} (or newer {@code dtype}) when given, e.g. "bfloat16"
 */
public record HfConfig(LlamaConfig llama, List<Integer> eosTokenIds, String modelType, Optional<String> torchDtype) {

  public HfConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }
}
