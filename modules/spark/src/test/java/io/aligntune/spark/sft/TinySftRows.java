package io.aligntune.spark.sft;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.train.sft.SftExampleRow;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A tiny Llama and synthetic SFT rows for exact distributed-trainer tests. */
final class TinySftRows {

  static final LlamaConfig CONFIG = new LlamaConfig(32, 48, 2, 4, 2, 61, 64, 1e-5, 10000.0, false, 1, 2, 0);
  static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, List.of("q", "k", "v", "o", "gate", "up", "down"));
  static final LoraConfig LORA_WITH_DROPOUT = new LoraConfig(4, 8, 0.1, List.of("q", "v", "o", "up"));

  private TinySftRows() {}

  /**
   * {@code count} rows of BOS + a 2–5 token prompt (unsupervised) + a 2–7 token completion ending in EOS
   * (supervised); every {@code truncatedEvery}-th row (if > 0) has its completion masked out entirely.
   */
  static List<SftExampleRow> rows(int count, long seed, int truncatedEvery) {
    SplittableRandom r = new SplittableRandom(seed);
    List<SftExampleRow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int prompt = 3 + r.nextInt(4);
      int completion = 2 + r.nextInt(6);
      int[] ids = new int[prompt + completion];
      boolean[] supervised = new boolean[ids.length];
      boolean truncated = truncatedEvery > 0 && i % truncatedEvery == truncatedEvery - 1;
      ids[0] = 1;
      for (int t = 1; t < ids.length; t++) {
        ids[t] = 3 + r.nextInt(58);
        supervised[t] = t >= prompt && !truncated;
      }
      ids[ids.length - 1] = 2;
      out.add(new SftExampleRow(i, ids, supervised));
    }
    return out;
  }
}
