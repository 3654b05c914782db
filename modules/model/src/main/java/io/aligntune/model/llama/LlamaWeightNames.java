package io.aligntune.model.llama;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.tensor.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** The Hugging Face weight names and shapes a {@link LlamaConfig} implies. */
public final class LlamaWeightNames {

  private LlamaWeightNames() {}

  /** Name → shape, in checkpoint order; {@code lm_head.weight} only when the head is untied. */
  public static Map<String, long[]> expectedShapes(LlamaConfig c) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    long d = c.hiddenSize();
    shapes.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      shapes.put(p + "input_layernorm.weight", new long[] {d});
      shapes.put(p + "self_attn.q_proj.weight", new long[] {c.qDim(), d});
      shapes.put(p + "self_attn.k_proj.weight", new long[] {c.kvDim(), d});
      shapes.put(p + "self_attn.v_proj.weight", new long[] {c.kvDim(), d});
      shapes.put(p + "self_attn.o_proj.weight", new long[] {d, c.qDim()});
      shapes.put(p + "post_attention_layernorm.weight", new long[] {d});
      shapes.put(p + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), d});
      shapes.put(p + "mlp.up_proj.weight", new long[] {c.intermediateSize(), d});
      shapes.put(p + "mlp.down_proj.weight", new long[] {d, c.intermediateSize()});
    }
    shapes.put("model.norm.weight", new long[] {d});
    if (!c.tieWordEmbeddings()) {
      shapes.put("lm_head.weight", new long[] {c.vocabSize(), d});
    }
    return shapes;
  }

  /**
   * Random weights as GPT-2/Llama initialise them: matrices ~ N(0, 0.02²), norm weights 1. Deterministic
   * in {@code seed}, so a quickstart run with no model given is reproducible.
   */
  public static Map<String, HostTensor> randomWeights(LlamaConfig c, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : expectedShapes(c).entrySet()) {
      HostTensor t = HostTensor.zeros(e.getValue());
      if (e.getValue().length == 1) {
        java.util.Arrays.fill(t.data(), 1f);
      } else {
        float[] data = t.data();
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) (gaussian(random) * 0.02);
        }
      }
      out.put(e.getKey(), t);
    }
    return out;
  }

  private static double gaussian(SplittableRandom random) {
    // Box–Muller: SplittableRandom has no nextGaussian on Java 17
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
