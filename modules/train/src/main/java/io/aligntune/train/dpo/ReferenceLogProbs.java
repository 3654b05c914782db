package io.aligntune.train.dpo;

import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.LogProbs;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference model's summed completion log-probs, computed once before training (the Spark job calls
 * this per partition). With LoRA the reference is the base model with adapters switched off, so no second
 * copy of the weights is held; dropout is off.
 */
public final class ReferenceLogProbs {

  private ReferenceLogProbs() {}

  /** The examples with their reference fields filled, in the same order. */
  public static List<DpoExample> fill(LlamaModel model, List<DpoExample> examples, int batchPairs) {
    return fill(model, examples, batchPairs, pairs -> {});
  }

  /** As {@link #fill(LlamaModel, List, int)}, telling {@code scored} the number of pairs after each batch. */
  public static List<DpoExample> fill(LlamaModel model, List<DpoExample> examples, int batchPairs,
      java.util.function.IntConsumer scored) {
    boolean adaptersWereOn = model.adaptersEnabled();
    model.setAdaptersEnabled(false);
    try {
      List<DpoExample> out = new ArrayList<>(examples.size());
      for (int from = 0; from < examples.size(); from += batchPairs) {
        List<DpoExample> chunk = examples.subList(from, Math.min(examples.size(), from + batchPairs));
        List<int[]> sequences = new ArrayList<>();
        int[] scoredFrom = new int[2 * chunk.size()];
        for (int i = 0; i < chunk.size(); i++) {
          sequences.add(chunk.get(i).chosen());
          scoredFrom[i] = chunk.get(i).promptLength();
        }
        for (int i = 0; i < chunk.size(); i++) {
          sequences.add(chunk.get(i).rejected());
          scoredFrom[chunk.size() + i] = chunk.get(i).promptLength();
        }
        float[] sums = LogProbs.score(model, new LogProbs.Batch(sequences, scoredFrom));
        for (int i = 0; i < chunk.size(); i++) {
          out.add(chunk.get(i).withReference(sums[i], sums[chunk.size() + i]));
        }
        scored.accept(chunk.size());
      }
      return out;
    } finally {
      model.setAdaptersEnabled(adaptersWereOn);
    }
  }
}
