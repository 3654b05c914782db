package io.aligntune.spark.eval;

import io.aligntune.eval.suite.JudgeCatalog;
import io.aligntune.spark.model.ModelSource;
import java.io.Serial;
import java.io.Serializable;
import java.util.List;

/**
 * One model's evaluation: which model, which suites, how to generate and judge, and the held-out text for
 * perplexity.
 *
 * @param modelLabel the {@code model} column of the tables: {@code base}, {@code aligned}, {@code final}...
 * @param model the weights, loaded once per executor JVM
 * @param tokenizer the model's tokenizer
 * @param suites the eval suites, read on the driver
 * @param generation decoding settings
 * @param judge a {@link JudgeCatalog} name (default {@value JudgeCatalog#DEFAULT}); checked on the driver
 * @param partitions how many Spark partitions the prompts (and held-out documents) are spread over, > 0
 * @param heldOutText a UTF-8 text file (any Hadoop URI), documents separated by blank lines, whose
 *     perplexity under the model is reported (scored {@code generation.batchSize()} windows a pass); null
 *     to skip perplexity
 */
public record EvalSettings(String modelLabel, ModelSource model, EvalTokenizer tokenizer, List<EvalSuiteSource> suites,
    GenerationSettings generation, String judge, int partitions, String heldOutText) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  public EvalSettings {
    if (modelLabel == null || modelLabel.isBlank()) {
      throw new IllegalArgumentException("model label '" + modelLabel + "' is invalid; name the model (base, aligned, final...)");
    }
    if (model == null || tokenizer == null || generation == null) {
      throw new IllegalArgumentException("model, tokenizer and generation are required");
    }
    suites = List.copyOf(suites);
    if (suites.isEmpty()) {
      throw new IllegalArgumentException("suites is empty; give at least one eval suite");
    }
    judge = judge == null ? JudgeCatalog.DEFAULT : judge;
    JudgeCatalog.named(judge); // fail on the driver, naming the bad value, not in every task
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions = " + partitions + " is invalid; it must be > 0");
    }
    if (heldOutText != null && heldOutText.isBlank()) {
      throw new IllegalArgumentException("held_out_text is blank; give a text file URI, or leave it out to skip perplexity");
    }
  }

  /** The default judge, no held-out text. */
  public static EvalSettings of(String modelLabel, ModelSource model, EvalTokenizer tokenizer,
      List<EvalSuiteSource> suites, GenerationSettings generation, int partitions) {
    return new EvalSettings(modelLabel, model, tokenizer, suites, generation, JudgeCatalog.DEFAULT, partitions, null);
  }

  public EvalSettings withJudge(String name) {
    return new EvalSettings(modelLabel, model, tokenizer, suites, generation, name, partitions, heldOutText);
  }

  public EvalSettings withHeldOutText(String uri) {
    return new EvalSettings(modelLabel, model, tokenizer, suites, generation, judge, partitions, uri);
  }

  public EvalSettings withModel(String label, ModelSource source) {
    return new EvalSettings(label, source, tokenizer, suites, generation, judge, partitions, heldOutText);
  }

  public EvalSettings withGeneration(GenerationSettings settings) {
    return new EvalSettings(modelLabel, model, tokenizer, suites, settings, judge, partitions, heldOutText);
  }
}
