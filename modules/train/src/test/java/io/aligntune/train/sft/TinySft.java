package io.aligntune.train.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A tiny Llama with LoRA adapters and synthetic SFT rows, for fast, exact trainer tests. */
final class TinySft {

  static final LlamaConfig CONFIG = new LlamaConfig(32, 48, 2, 4, 2, 61, 64, 1e-5, 10000.0, false, 1, 2, 0);
  static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, List.of("q", "v", "o", "up"));
  static final LoraConfig LORA_WITH_DROPOUT = new LoraConfig(4, 8, 0.1, List.of("q", "v", "o", "up"));
  static final int EOS = 2;

  private TinySft() {}

  static LlamaModel model(NDManager manager, LoraConfig lora) {
    LlamaModel model = LlamaModel.random(manager, CONFIG, 11);
    model.addLora(lora, 5);
    return model;
  }

  /** Adapters with non-zero B, so the adapters change the logits and receive gradient in every matrix. */
  static Map<String, HostTensor> perturbed(LlamaModel model, long seed) {
    Map<String, HostTensor> w = model.exportTrainable();
    SplittableRandom r = new SplittableRandom(seed);
    w.forEach((name, t) -> {
      if (name.contains("lora_B")) {
        for (int i = 0; i < t.data().length; i++) {
          t.data()[i] = (float) ((r.nextDouble() - 0.5) * 0.3);
        }
      }
    });
    return w;
  }

  /**
   * Prompt/completion rows: BOS + a 2–5 token prompt (unsupervised) + a 2–7 token completion ending in EOS
   * (supervised, EOS included), indexed from {@code firstIndex}.
   */
  static List<SftExampleRow> rows(int count, long seed, int firstIndex) {
    SplittableRandom r = new SplittableRandom(seed);
    List<SftExampleRow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int prompt = 3 + r.nextInt(4);
      int completion = 2 + r.nextInt(6);
      int[] ids = new int[prompt + completion];
      boolean[] supervised = new boolean[ids.length];
      ids[0] = 1;
      for (int t = 1; t < ids.length; t++) {
        ids[t] = 3 + r.nextInt(58);
        supervised[t] = t >= prompt;
      }
      ids[ids.length - 1] = EOS;
      out.add(new SftExampleRow(firstIndex + i, ids, supervised));
    }
    return out;
  }

  /** Rows whose tokens all repeat one id after BOS, every token supervised. */
  static List<SftExampleRow> constantRows(int count, int token, int length, int firstIndex) {
    List<SftExampleRow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] ids = new int[length];
      ids[0] = 1;
      java.util.Arrays.fill(ids, 1, length, token);
      out.add(SftExampleRow.allSupervised(firstIndex + i, ids));
    }
    return out;
  }

  /**
   * Per supervised token, −log p(ids[t] | ids[&lt;t]) computed from one example's logits alone (no batching,
   * no padding, dropout off) with a log-softmax in double: an independent check of the trainer's loss.
   */
  static double[] tokenNlls(LlamaModel model, SftExampleRow row) {
    int[] ids = row.ids();
    boolean[] supervised = row.supervised();
    try (NDManager scratch = model.manager().newSubManager()) {
      long[] longIds = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        longIds[i] = ids[i];
      }
      NDArray logits = model.forward(scratch.create(longIds, new ai.djl.ndarray.types.Shape(1, ids.length)), null,
          null, null, false);
      float[] flat = logits.toFloatArray();
      int vocab = CONFIG.vocabSize();
      List<Double> nlls = new ArrayList<>();
      for (int t = 1; t < ids.length; t++) {
        if (!supervised[t]) {
          continue;
        }
        int base = (t - 1) * vocab;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
          max = Math.max(max, flat[base + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
          sum += Math.exp(flat[base + v] - max);
        }
        nlls.add(max + Math.log(sum) - flat[base + ids[t]]);
      }
      return nlls.stream().mapToDouble(Double::doubleValue).toArray();
    }
  }

  static Map<String, HostTensor> copy(Map<String, HostTensor> w) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    w.forEach((k, v) -> out.put(k, v.copy()));
    return out;
  }

  static double maxDiff(Map<String, HostTensor> a, Map<String, HostTensor> b) {
    if (!a.keySet().equals(b.keySet())) {
      throw new AssertionError("different weights: " + a.keySet() + " vs " + b.keySet());
    }
    double max = 0;
    for (String k : a.keySet()) {
      float[] x = a.get(k).data();
      float[] y = b.get(k).data();
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs(x[i] - y[i]));
      }
    }
    return max;
  }

  static double maxAbs(Map<String, HostTensor> a) {
    double max = 0;
    for (HostTensor t : a.values()) {
      for (float v : t.data()) {
        max = Math.max(max, Math.abs(v));
      }
    }
    return max;
  }
}
