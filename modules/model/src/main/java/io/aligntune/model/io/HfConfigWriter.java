package io.aligntune.model.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a Hugging Face {@code config.json} for a {@link LlamaConfig}, readable both by
 * {@link HfConfigReader} and by transformers' {@code LlamaForCausalLM.from_pretrained}. {@code head_dim}
 * is always written explicitly so no reader has to re-derive it.
 */
public final class HfConfigWriter {

  private HfConfigWriter() {}

  /** Writes {@code config} with its single {@code eosTokenId}. */
  public static void write(Path configJson, LlamaConfig config, SafetensorsDtype torchDtype) throws IOException {
    write(configJson, config, List.of(config.eosTokenId()), torchDtype);
  }

  /**
   * Writes {@code config}; {@code eosTokenIds} is written as a number when it has one entry and as a
   * list otherwise (its first entry should equal {@code config.eosTokenId()}).
   */
  public static void write(Path configJson, LlamaConfig config, List<Integer> eosTokenIds, SafetensorsDtype torchDtype)
      throws IOException {
    if (eosTokenIds.isEmpty()) {
      throw new IllegalArgumentException("eosTokenIds must not be empty");
    }
    AtomicFileWrite.write(configJson, CheckpointJson.prettyBytes(toJson(config, eosTokenIds, torchDtype)));
  }

  static ObjectNode toJson(LlamaConfig c, List<Integer> eosTokenIds, SafetensorsDtype torchDtype) {
    ObjectNode root = CheckpointJson.MAPPER.createObjectNode();
    root.putArray("architectures").add("LlamaForCausalLM");
    root.put("model_type", "llama");
    root.put("hidden_size", c.hiddenSize());
    root.put("intermediate_size", c.intermediateSize());
    root.put("num_hidden_layers", c.numHiddenLayers());
    root.put("num_attention_heads", c.numAttentionHeads());
    root.put("num_key_value_heads", c.numKeyValueHeads());
    root.put("head_dim", c.headDim());
    root.put("vocab_size", c.vocabSize());
    root.put("max_position_embeddings", c.maxPositionEmbeddings());
    root.put("rms_norm_eps", c.rmsNormEps());
    root.put("rope_theta", c.ropeTheta());
    root.putNull("rope_scaling");
    root.put("hidden_act", "silu");
    root.put("attention_bias", false);
    root.put("mlp_bias", false);
    root.put("tie_word_embeddings", c.tieWordEmbeddings());
    root.put("bos_token_id", c.bosTokenId());
    if (eosTokenIds.size() == 1) {
      root.put("eos_token_id", eosTokenIds.get(0));
    } else {
      ArrayNode ids = root.putArray("eos_token_id");
      eosTokenIds.forEach(ids::add);
    }
    root.put("torch_dtype", torchDtype.torchName());
    return root;
  }
}
