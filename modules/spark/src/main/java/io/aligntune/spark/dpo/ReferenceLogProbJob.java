package io.aligntune.spark.dpo;

import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.train.compute.JvmGradientLock;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.dpo.ReferenceLogProbs;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.LongAccumulator;

/**
 * The reference model's log-probs for every pair, computed once by a Spark pass before training (adapters
 * off: with LoRA the reference is the base model; under full fine-tuning the executor's model as loaded,
 * never one a training step has overwritten) and stored with the tokenized data, so that a training step runs
 * only the policy.
 */
public final class ReferenceLogProbJob {

  private ReferenceLogProbJob() {}

  public static JavaRDD<DpoExample> run(JavaRDD<DpoExample> examples, ModelSource policy, int batchPairs) {
    return run(examples, policy, batchPairs, null);
  }

  /**
   * @param scoredPairs counts the pairs scored so far (for {@code AccumulatorProgress}), or null
   */
  public static JavaRDD<DpoExample> run(JavaRDD<DpoExample> examples, ModelSource policy, int batchPairs,
      LongAccumulator scoredPairs) {
    examples.context().setJobDescription("reference log-probs (adapters off)");
    return examples.mapPartitions(part -> {
      List<DpoExample> mine = new ArrayList<>();
      part.forEachRemaining(mine::add);
      if (mine.isEmpty()) {
        return mine.iterator();
      }
      return JvmGradientLock.run(() -> {
        // pristine: under full fine-tuning a training step in this JVM overwrote the cached base weights
        LlamaModel model = ExecutorModels.pristine(policy);
        return scoredPairs == null ? ReferenceLogProbs.fill(model, mine, batchPairs)
            : ReferenceLogProbs.fill(model, mine, batchPairs, scoredPairs::add);
      }).iterator();
    });
  }
}
