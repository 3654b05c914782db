package io.aligntune.spark.dpo;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.train.dpo.DpoExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A tiny Llama and synthetic tokenized pairs for exact distributed-trainer tests. */
final class TinyPairs {

  static final LlamaConfig CONFIG = new LlamaConfig(32, 48, 2, 4, 2, 61, 64, 1e-5, 10000.0, false, 1, 2, 0);
  static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, List.of("q", "k", "v", "o", "gate", "up", "down"));

  private TinyPairs() {}

  static List<DpoExample> examples(int count, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<DpoExample> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int promptLength = 3 + r.nextInt(4);
      int[] prompt = new int[promptLength];
      prompt[0] = 1;
      for (int t = 1; t < promptLength; t++) {
        prompt[t] = 3 + r.nextInt(58);
      }
      out.add(new DpoExample(i, join(prompt, completion(r)), join(prompt, completion(r)), promptLength, 0f, 0f));
    }
    return out;
  }

  private static int[] completion(SplittableRandom r) {
    int n = 2 + r.nextInt(6);
    int[] c = new int[n];
    for (int t = 0; t < n - 1; t++) {
      c[t] = 3 + r.nextInt(58);
    }
    c[n - 1] = 2;
    return c;
  }

  private static int[] join(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
