package io.aligntune.train.sft;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.compute.JvmGradientLock;
import io.aligntune.train.loss.SftLossOutput;
import java.util.List;

/**
 * The summed token NLL of held-out examples under the model as it is: dropout off, no gradient. The
 * evaluation counterpart of {@link SftGradientComputer}, over the same micro-batches and label masks.
 */
public final class SftEvalComputer {

  private SftEvalComputer() {}

  /**
   * @param model the model, its trainable parameters already set to the weights under evaluation
   * @param examples held-out examples; those without a supervised token add nothing
   * @param microBatch examples per forward pass
   */
  public static TokenNll compute(LlamaModel model, List<SftExampleRow> examples, int microBatch) {
    if (microBatch <= 0) {
      throw new IllegalArgumentException("eval micro_batch_size must be positive, got " + microBatch);
    }
    List<SftExampleRow> scored = SftGradientComputer.withSupervisedTokens(examples);
    return JvmGradientLock.run(() -> {
      // libtorch's grad mode is per thread and Spark task threads start with it on: without this, each
      // forward pass would record an autograd graph that nothing reads.
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        TokenNll total = TokenNll.ZERO;
        for (int from = 0; from < scored.size(); from += microBatch) {
          List<SftExampleRow> micro = scored.subList(from, Math.min(scored.size(), from + microBatch));
          try (NDManager scratch = model.manager().newSubManager()) {
            SftLossOutput loss = SftMicroBatch.loss(model, scratch, micro, false);
            double nll = loss.nllSum().getFloat();
            if (!Double.isFinite(nll)) {
              throw new IllegalStateException("evaluation micro-batch starting at example " + micro.get(0).index()
                  + " has a non-finite NLL sum " + nll);
            }
            total = total.plus(new TokenNll(nll, loss.supervisedTokenCount()));
          }
        }
        return total;
      } finally {
        JniUtils.setGradMode(gradMode);
      }
    });
  }
}
