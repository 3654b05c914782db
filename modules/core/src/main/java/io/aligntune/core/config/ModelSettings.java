package io.aligntune.core.config;

import io.aligntune.core.model.LlamaConfig;

/**
 * {@code model:} — the base model.
 *
 * @param path llama2.c {@code .bin} or Hugging Face directory (any Hadoop URI); absent = a random tiny Llama
 *     built from {@code init} (a quickstart with nothing downloaded; its outputs are noise)
 * @param tokenizer tokenizer file/directory; absent = beside the model, or the built-in byte tokenizer for a
 *     random model
 * @param init architecture of the random model (LlamaConfig field names), used only without a path;
 *     checked here so that a bad shape names {@code model.init.<field>} and the file
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
      init = initConfig(i);
      seed = i.integer("seed", 1234, Long.MIN_VALUE, Long.MAX_VALUE);
    }
    i.rejectUnknown();
    n.rejectUnknown();
    return new ModelSettings(path, tokenizer, init, seed);
  }

  private static LlamaConfig initConfig(ConfigNode i) {
    int hidden = (int) i.integer("hidden_size", 64, 8, 65536);
    int intermediate = (int) i.integer("intermediate_size", 172, 8, 262144);
    int layers = (int) i.integer("num_hidden_layers", 2, 1, 512);
    int heads = (int) i.integer("num_attention_heads", 4, 1, 1024);
    int kvHeads = (int) i.integer("num_key_value_heads", 2, 1, 1024);
    int vocab = (int) i.integer("vocab_size", 259, 259, 1 << 20);
    int positions = (int) i.integer("max_position_embeddings", 256, 8, 1 << 20);
    int headDim = (int) i.integer("head_dim", 0, 2, 65536); // 0: hidden_size / num_attention_heads, as in HF
    if (headDim == 0 && hidden % heads != 0) {
      throw i.error("model.init.num_attention_heads", "is " + heads + " but hidden_size " + hidden
          + " is not divisible by it; choose a divisor of " + hidden + " or give model.init.head_dim");
    }
    int perHead = headDim == 0 ? hidden / heads : headDim;
    if (perHead % 2 != 0) {
      throw i.error(headDim == 0 ? "model.init.num_attention_heads" : "model.init.head_dim", "gives head_dim " + perHead
          + ", which must be even for rotary embeddings");
    }
    if (heads % kvHeads != 0) {
      throw i.error("model.init.num_key_value_heads", "is " + kvHeads + "; it must divide num_attention_heads " + heads);
    }
    try {
      return new LlamaConfig(hidden, intermediate, layers, heads, kvHeads, vocab, positions, 1e-5, 10000.0, true, 1, 2,
          headDim);
    } catch (IllegalArgumentException e) {
      throw i.error("model.init", e.getMessage());
    }
  }

  public boolean isRandom() {
    return path == null;
  }
}
