package io.aligntune.spark.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.LlamaWeightNames;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.data.BatchPlan;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.dpo.ReferenceLogProbs;
import io.aligntune.train.loop.MetricsFormula;
import io.aligntune.train.loop.TrainingLoop;
import io.aligntune.train.loop.TrainingState;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.optim.AdamW;
import io.aligntune.train.optim.LearningRateSchedule;
import io.aligntune.train.step.AverageOver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reference pass must score with the base weights even when it runs in a JVM whose cached model was
 * trained already (full fine-tuning overwrites the base weights of that cached model every step): a
 * recomputed partition, or a later job with the same model source.
 */
class ReferenceLogProbJobTest {

  static final ModelSource FULL = ModelSource.random(TinyPairs.CONFIG, 11).withFullFineTuning();

  SparkSession spark;

  @AfterEach
  void stop() {
    if (spark != null) {
      spark.stop();
    }
    ExecutorModels.release();
  }

  @Test
  void referenceAfterFullFineTuningInTheSameJvmUsesTheBaseWeights() {
    spark = LocalClusterSpark.local(2);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<DpoExample> unscored = TinyPairs.examples(8, 7);
    List<DpoExample> scored = ReferenceLogProbJob.run(jsc.parallelize(unscored, 2), FULL, 4).collect();

    // a few full fine-tuning steps in this JVM: the cached executor model now holds trained weights
    JavaRDD<DpoExample> rdd = jsc.parallelize(scored, 2).cache();
    BatchPlan plan = new BatchPlan(scored.size(), 4, 1);
    SparkDpoGradients gradients = new SparkDpoGradients(jsc, rdd,
        new SparkDpoGradients.Settings(FULL, plan, 2, DpoLossConfig.sigmoid(0.1), 2, null));
    Map<String, HostTensor> base = new LinkedHashMap<>(LlamaWeightNames.randomWeights(TinyPairs.CONFIG, 11));
    TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(3, 1.0,
        LearningRateSchedule.fromConfig("constant", 0.05, 0, 3, 0), AverageOver.PAIRS, MetricsFormula.dpo()), List.of());
    // the optimizer may update the host arrays in place: compare against a second copy of the base
    Map<String, HostTensor> trained = loop.run(new TrainingState(base, new AdamW(AdamW.Settings.defaults()), 0),
        gradients).weights();
    assertTrue(SparkDpoGradientsTest.maxDiff(LlamaWeightNames.randomWeights(TinyPairs.CONFIG, 11), trained) > 1e-3, "training must have moved the weights");
    gradients.release();

    List<DpoExample> again = ReferenceLogProbJob.run(jsc.parallelize(unscored, 2), FULL, 4).collect();

    List<DpoExample> fresh;
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(m, TinyPairs.CONFIG, 11)) {
      fresh = ReferenceLogProbs.fill(model, unscored, 4);
    }
    double max = 0;
    for (int i = 0; i < fresh.size(); i++) {
      assertEquals(fresh.get(i).index(), again.get(i).index());
      max = Math.max(max, Math.abs(fresh.get(i).referenceChosen() - again.get(i).referenceChosen()));
      max = Math.max(max, Math.abs(fresh.get(i).referenceRejected() - again.get(i).referenceRejected()));
      max = Math.max(max, Math.abs(fresh.get(i).referenceChosen() - scored.get(i).referenceChosen()));
    }
    System.out.println("[reference-after-full-ft] max |ref logp - fresh base ref logp| = " + max);
    assertTrue(max <= 1e-6, "reference log-probs after training differ from the base model's by " + max);
  }
}
