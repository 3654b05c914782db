package io.aligntune.model.lora;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoRA adapter weights on the host: their deterministic initialisation (so the driver and every executor
 * agree without shipping anything) and merging into base weights for export.
 */
public final class LoraWeights {

  private LoraWeights() {}

  /**
   * Fresh adapters in PEFT names: A uniform in ±1/sqrt(in) (the bound PEFT's kaiming-uniform(a=√5) gives),
   * drawn in a fixed order from {@code seed}; B zero, so the adapted model starts equal to the base.
   */
  public static Map<String, HostTensor> initial(LlamaConfig model, LoraConfig lora, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
      for (String target : lora.targets()) {
        String path = LoraConfig.modulePath(layer, target);
        int[] inOut = inOut(model, target);
        float[] a = new float[lora.rank() * inOut[0]];
        double bound = 1.0 / Math.sqrt(inOut[0]);
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        out.put(path + ".lora_A.weight", new HostTensor(new long[] {lora.rank(), inOut[0]}, a));
        out.put(path + ".lora_B.weight", HostTensor.zeros(inOut[1], lora.rank()));
      }
    }
    return out;
  }

  /** {in, out} widths of a projection. */
  public static int[] inOut(LlamaConfig c, String target) {
    return switch (target) {
      case "q" -> new int[] {c.hiddenSize(), c.qDim()};
      case "k", "v" -> new int[] {c.hiddenSize(), c.kvDim()};
      case "o" -> new int[] {c.qDim(), c.hiddenSize()};
      case "gate", "up" -> new int[] {c.hiddenSize(), c.intermediateSize()};
      case "down" -> new int[] {c.intermediateSize(), c.hiddenSize()};
      default -> throw new IllegalArgumentException("unknown LoRA target " + target);
    };
  }

  /** Base weights with scale·B·A added to every adapted projection (a new map; inputs untouched). */
  public static Map<String, HostTensor> merge(Map<String, HostTensor> base, LoraConfig lora, Map<String, HostTensor> adapters) {
    Map<String, HostTensor> out = new LinkedHashMap<>(base);
    for (Map.Entry<String, HostTensor> e : adapters.entrySet()) {
      if (!e.getKey().endsWith(".lora_A.weight")) {
        continue;
      }
      String module = e.getKey().substring(0, e.getKey().length() - ".lora_A.weight".length());
      HostTensor a = e.getValue();
      HostTensor b = adapters.get(module + ".lora_B.weight");
      HostTensor w = base.get(module + ".weight");
      if (b == null || w == null) {
        throw new IllegalArgumentException("adapter for '" + module + "' has no matching " + (b == null ? "lora_B" : "base weight"));
      }
      int rank = (int) a.shape()[0];
      int in = (int) a.shape()[1];
      int outDim = (int) b.shape()[0];
      // W + scale * B A, accumulated in double and rounded to float32 once per weight: summing rank float32
      // products into W one by one adds a rounding error per rank, which the merged model's logits show
      float[] merged = new float[w.data().length];
      double[] row = new double[in];
      for (int o = 0; o < outDim; o++) {
        int wRow = o * in;
        for (int i = 0; i < in; i++) {
          row[i] = w.data()[wRow + i];
        }
        for (int r = 0; r < rank; r++) {
          double coeff = lora.scale() * b.data()[o * rank + r];
          if (coeff == 0) {
            continue;
          }
          int aRow = r * in;
          for (int i = 0; i < in; i++) {
            row[i] += coeff * a.data()[aRow + i];
          }
        }
        for (int i = 0; i < in; i++) {
          merged[wRow + i] = (float) row[i];
        }
      }
      out.put(module + ".weight", new HostTensor(w.shape().clone(), merged));
    }
    return out;
  }
}
