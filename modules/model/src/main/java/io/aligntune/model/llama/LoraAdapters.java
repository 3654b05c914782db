package io.aligntune.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The LoRA matrices of one model: for each targeted projection (by HF module path, e.g.
 * {@code model.layers.0.self_attn.q_proj}) an A [rank, in] and a B [out, rank]. Parameter names follow
 * PEFT ({@code <module>.lora_A.weight}) so that an exported adapter loads in PEFT/vLLM.
 */
final class LoraAdapters {

  final LoraConfig config;
  final Map<String, NDArray> a = new LinkedHashMap<>();
  final Map<String, NDArray> b = new LinkedHashMap<>();

  /**
   * Fresh adapters: A drawn uniformly in ±1/sqrt(in) (the bound PEFT's kaiming-uniform(a=√5) init gives),
   * from a seeded generator so that every executor builds the same start; B zero.
   */
  LoraAdapters(NDManager manager, LlamaConfig model, LoraConfig config, long seed) {
    this.config = config;
    SplittableRandom random = new SplittableRandom(seed);
    for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
      for (String target : config.targets()) {
        String path = LoraConfig.modulePath(layer, target);
        int[] inOut = inOut(model, target);
        float[] init = new float[config.rank() * inOut[0]];
        double bound = 1.0 / Math.sqrt(inOut[0]);
        for (int i = 0; i < init.length; i++) {
          init[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        a.put(path, manager.create(init, new Shape(config.rank(), inOut[0])));
        b.put(path, manager.zeros(new Shape(inOut[1], config.rank())));
      }
    }
  }

  /** {in, out} widths of a projection. */
  static int[] inOut(LlamaConfig c, String target) {
    return switch (target) {
      case "q" -> new int[] {c.hiddenSize(), c.qDim()};
      case "k", "v" -> new int[] {c.hiddenSize(), c.kvDim()};
      case "o" -> new int[] {c.qDim(), c.hiddenSize()};
      case "gate", "up" -> new int[] {c.hiddenSize(), c.intermediateSize()};
      case "down" -> new int[] {c.intermediateSize(), c.hiddenSize()};
      default -> throw new IllegalArgumentException("unknown LoRA target " + target);
    };
  }

  boolean wraps(String modulePath) {
    return a.containsKey(modulePath);
  }

  /** Parameter names in PEFT form, A then B per module, in a stable order. */
  Map<String, NDArray> parameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String path : a.keySet()) {
      out.put(path + ".lora_A.weight", a.get(path));
      out.put(path + ".lora_B.weight", b.get(path));
    }
    return out;
  }

  /** The dense update scale·B·A for a module, [out, in]. */
  NDArray delta(String modulePath) {
    return b.get(modulePath).matMul(a.get(modulePath)).mul((float) config.scale());
  }
}
