package io.aligntune.model.io;

import io.aligntune.core.model.LlamaConfig;
import java.util.LinkedHashMap;

/**
 * The Hugging Face names and shapes of every weight a {@link LlamaConfig} implies, in the canonical order
 * (embedding, then each layer's tensors, then the final norm and the untied head). Projection weights are
 * {@code [out, in]} like {@code torch.nn.Linear}.
 */
public final class LlamaWeightLayout {

  public static final String EMBED_TOKENS = "model.embed_tokens.weight";
  public static final String FINAL_NORM = "model.norm.weight";
  public static final String LM_HEAD = "lm_head.weight";

  private LlamaWeightLayout() {}

  /** Name of a per-layer weight, e.g. {@code layer(0, "self_attn.q_proj")}. */
  public static String layer(int index, String module) {
    return "model.layers." + index + "." + module + ".weight";
  }

  /** Every expected tensor name with its shape; {@code lm_head.weight} only when embeddings are untied. */
  public static LinkedHashMap<String, long[]> expectedShapes(LlamaConfig c) {
    long hidden = c.hiddenSize();
    long ffn = c.intermediateSize();
    LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put(EMBED_TOKENS, new long[] {c.vocabSize(), hidden});
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      shapes.put(layer(i, "input_layernorm"), new long[] {hidden});
      shapes.put(layer(i, "self_attn.q_proj"), new long[] {c.qDim(), hidden});
      shapes.put(layer(i, "self_attn.k_proj"), new long[] {c.kvDim(), hidden});
      shapes.put(layer(i, "self_attn.v_proj"), new long[] {c.kvDim(), hidden});
      shapes.put(layer(i, "self_attn.o_proj"), new long[] {hidden, c.qDim()});
      shapes.put(layer(i, "post_attention_layernorm"), new long[] {hidden});
      shapes.put(layer(i, "mlp.gate_proj"), new long[] {ffn, hidden});
      shapes.put(layer(i, "mlp.up_proj"), new long[] {ffn, hidden});
      shapes.put(layer(i, "mlp.down_proj"), new long[] {hidden, ffn});
    }
    shapes.put(FINAL_NORM, new long[] {hidden});
    if (!c.tieWordEmbeddings()) {
      shapes.put(LM_HEAD, new long[] {c.vocabSize(), hidden});
    }
    return shapes;
  }
}
