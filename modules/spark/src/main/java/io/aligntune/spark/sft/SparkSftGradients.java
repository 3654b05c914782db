package io.aligntune.spark.sft;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.step.DistributedStep;
import io.aligntune.spark.step.InjectedTaskFailure;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.loop.StepGradients;
import io.aligntune.train.sft.SftExampleRow;
import io.aligntune.train.sft.SftGradientComputer;
import io.aligntune.train.step.GradientAccumulator;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * An SFT step's gradients from a Spark job ({@link DistributedStep}): each partition sums token NLL and
 * supervised-token counts over its share; the driver divides by the global token count
 * ({@code AverageOver.TOKENS}).
 *
 * <p>Dropout is seeded from (run seed, step, first example of each micro-batch), so a retried task
 * recomputes the same sums.
 */
public final class SparkSftGradients implements StepGradients {

  /**
   * @param model the base model and adapters every executor builds (loaded once per executor JVM)
   * @param plan which examples make up each step
   * @param microBatch examples per forward/backward on an executor
   * @param seed the run seed; with the step it seeds dropout
   * @param attentionDropout dropout on attention probabilities during training, in [0, 1)
   * @param residualDropout dropout on the residual branches during training, in [0, 1)
   * @param aggregationDepth depth of treeAggregate (2 suits tens of executors)
   * @param failure test hook; null in real runs
   */
  public record Settings(ModelSource model, BatchPlan plan, int microBatch, long seed, double attentionDropout,
      double residualDropout, int aggregationDepth, InjectedTaskFailure failure) implements Serializable {
    public Settings {
      if (microBatch <= 0) {
        throw new IllegalArgumentException("micro_batch_size must be positive, got " + microBatch);
      }
      if (!(attentionDropout >= 0 && attentionDropout < 1) || !(residualDropout >= 0 && residualDropout < 1)) {
        throw new IllegalArgumentException("dropout rates must be in [0, 1), got attention_dropout="
            + attentionDropout + ", residual_dropout=" + residualDropout);
      }
    }
  }

  private final DistributedStep<SftExampleRow> step;
  private final Settings settings;

  /** @param examples the tokenized training set; one share per partition */
  public SparkSftGradients(JavaSparkContext spark, JavaRDD<SftExampleRow> examples, Settings settings) {
    this.step = new DistributedStep<>(spark, examples, settings.plan(), SftExampleRow::index,
        settings.aggregationDepth(), settings.failure());
    this.settings = settings;
  }

  @Override
  public GradientAccumulator compute(long step, Map<String, HostTensor> weights) {
    Settings s = settings;
    GradientAccumulator sums = this.step.compute(step, weights, "SFT step " + step, (batch, st, w) -> share(batch, st, w, s));
    if (sums.tokenCount() == 0) {
      throw new IllegalStateException("SFT step " + step + ": none of the " + s.plan().examplesOf(step).length
          + " examples of the batch has a supervised token (every completion was truncated away or masked),"
          + " so the step has no loss; reject such examples at tokenization");
    }
    return sums;
  }

  /** Drops the cached placement of the examples. */
  public void release() {
    step.release();
  }

  private static GradientAccumulator share(List<SftExampleRow> inBatchOrder, long step,
      Map<String, HostTensor> weights, Settings s) {
    LlamaModel model = ExecutorModels.withWeights(s.model(), weights);
    // the executor's model is shared by every phase's tasks: set this job's rates each time
    model.setDropout(s.attentionDropout(), s.residualDropout());
    return SftGradientComputer.compute(model, inBatchOrder, s.microBatch(), SftGradientComputer.stepSeed(s.seed(), step));
  }
}
