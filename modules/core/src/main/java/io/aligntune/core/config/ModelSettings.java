package io.aligntune.core.config;

import io.aligntune.core.model.LlamaConfig;

/**
 * {@code model:} — the base model.
 *
 * @param path llama2.c {@code .bin} or Hugging Face directory (any Hadoop URI); absent = a random tiny Llama
 *     built from {@code init} (a quickstart with nothing downloaded; its outputs are noise)
 * @param tokenizer tokenizer file/directory; absent = beside the model, or the built-in byte tokenizer for a
 *     random model
 * @param init architecture of the random model (LlamaConfig field names), used only without a path
 * @param initSeed seed of the random initialisation
 */
public record ModelSettings(String path, String tokenizer, LlamaConfig init, long initSeed) {

  static ModelSettings from(ConfigNode n) {
    String path = n.string("path", null);
    String tokenizer = n.string("tokenizer", null);
    LlamaConfig init = null;
    ConfigNode i = n.section("init");
    long seed = 0;
    if (path == null) {
      int vocab = (int) i.integer("vocab_size", 259, 259, 1 << 20);
      init = new LlamaConfig((int) i.integer("hidden_size", 64, 8, 65536), (int) i.integer("intermediate_size", 172, 8, 262144),
          (int) i.integer("num_hidden_layers", 2, 1, 512), (int) i.integer("num_attention_heads", 4, 1, 1024),
          (int) i.integer("num_key_value_heads", 2, 1, 1024), vocab, (int) i.integer("max_position_embeddings", 256, 8, 1 << 20),
          1e-5, 10000.0, true, 1, 2, 0);
      seed = i.integer("seed", 1234, Long.MIN_VALUE, Long.MAX_VALUE);
    }
    i.rejectUnknown();
    n.rejectUnknown();
    return new ModelSettings(path, tokenizer, init, seed);
  }

  public boolean isRandom() {
    return path == null;
  }
}
