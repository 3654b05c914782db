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
    return io.aligntune.model.io.LlamaWeightLayout.expectedShapes(c);
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
