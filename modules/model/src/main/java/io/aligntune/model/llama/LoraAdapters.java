package io.aligntune.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LoRA matrices of one model: for each targeted projection (by HF module path, e.g.
 * {@code model.layers.0.self_attn.q_proj}) an A [rank, in] and a B [out, rank]. Parameter names follow
 * PEFT ({@code <module>.lora_A.weight}) so that an exported adapter loads in PEFT/vLLM.
 */
final class LoraAdapters {

  final LoraConfig config;
  final Map<String, NDArray> a = new LinkedHashMap<>();
  final Map<String, NDArray> b = new LinkedHashMap<>();

  /** Fresh adapters from {@link io.aligntune.model.lora.LoraWeights#initial}: B = 0, A seeded. */
  LoraAdapters(NDManager manager, LlamaConfig model, LoraConfig config, long seed) {
    this.config = config;
    Map<String, io.aligntune.core.tensor.HostTensor> init = io.aligntune.model.lora.LoraWeights.initial(model, config, seed);
    for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
      for (String target : config.targets()) {
        String path = LoraConfig.modulePath(layer, target);
        var a0 = init.get(path + ".lora_A.weight");
        var b0 = init.get(path + ".lora_B.weight");
        a.put(path, manager.create(a0.data(), new Shape(a0.shape())));
        b.put(path, manager.create(b0.data(), new Shape(b0.shape())));
      }
    }
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
