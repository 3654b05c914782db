package io.aligntune.spark.sft;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.train.compute.JvmGradientLock;
import io.aligntune.train.sft.EvalLoss;
import io.aligntune.train.sft.SftEvalComputer;
import io.aligntune.train.sft.SftExampleRow;
import io.aligntune.train.sft.TokenNll;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Held-out loss from a Spark job: broadcast the trainable weights → each partition sums the token NLL of
 * its examples (dropout off, no gradient) → add the sums → destroy the broadcast. The mean is taken once,
 * over the global token count, so it equals the single-process {@code LocalEvalLoss}.
 */
public final class SparkEvalLoss implements EvalLoss {

  private final JavaSparkContext spark;
  private final JavaRDD<SftExampleRow> examples;
  private final ModelSource model;
  private final int microBatch;

  /** @param examples the evaluation set; cached by the caller */
  public SparkEvalLoss(JavaSparkContext spark, JavaRDD<SftExampleRow> examples, ModelSource model, int microBatch) {
    if (microBatch <= 0) {
      throw new IllegalArgumentException("eval micro_batch_size must be positive, got " + microBatch);
    }
    this.spark = spark;
    this.examples = examples;
    this.model = model;
    this.microBatch = microBatch;
  }

  @Override
  public TokenNll evaluate(Map<String, HostTensor> weights) {
    Broadcast<LinkedHashMap<String, HostTensor>> broadcast = spark.broadcast(new LinkedHashMap<>(weights));
    ModelSource source = model;
    int micro = microBatch;
    try {
      spark.setJobDescription("SFT evaluation");
      return examples.mapPartitions(part -> {
        List<SftExampleRow> mine = new ArrayList<>();
        part.forEachRemaining(mine::add);
        if (mine.isEmpty()) {
          return List.of(TokenNll.ZERO).iterator();
        }
        TokenNll nll = JvmGradientLock.run(() -> {
          LlamaModel executorModel = ExecutorModels.withWeights(source, broadcast.value());
          return SftEvalComputer.compute(executorModel, mine, micro);
        });
        return List.of(nll).iterator();
      }).fold(TokenNll.ZERO, TokenNll::plus);
    } finally {
      broadcast.destroy();
    }
  }
}
