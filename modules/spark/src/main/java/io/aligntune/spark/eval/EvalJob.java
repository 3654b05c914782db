package io.aligntune.spark.eval;

import io.aligntune.core.text.Tokenizer;
import io.aligntune.eval.judge.ExpectedBehavior;
import io.aligntune.eval.judge.Judge;
import io.aligntune.eval.judge.Verdict;
import io.aligntune.eval.suite.EvalSummary;
import io.aligntune.eval.suite.JudgeCatalog;
import io.aligntune.eval.suite.JudgedResponse;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.TextGenerator;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.train.compute.JvmGradientLock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Evaluates one model on safety suites: what it answers, whether the answer is what a safe model does, and
 * how fluent it still is.
 *
 * <ol>
 *   <li>the driver reads the suites ({@link LoadedSuites}: accepted prompts, and rejects with file, line
 *       and reason);
 *   <li>the prompts are spread over partitions; each task encodes its prompts ({@link EncodedPrompt}:
 *       BOS first, cut to the context keeping the end, flagged), generates in batches on the executor's
 *       cached model (left padding, KV cache), decodes and judges;
 *   <li>the driver collects one {@link EvalRow} per prompt and summarises them ({@link EvalSummary});
 *   <li>with a held-out text, {@link HeldOutPerplexityJob} adds its perplexity.
 * </ol>
 *
 * A task is a pure function of its prompts and the settings: a retried task gives the same rows (with
 * temperature 0 always; with sampling, for the same partitions and batch size). Within a task, prompts are
 * batched in order of token length, so a batch holds little padding; greedy answers do not depend on the
 * batch (TextGenerator masks padding), up to float rounding.
 */
public final class EvalJob {

  private EvalJob() {}

  /** Reads the suites and evaluates the model on them. */
  public static EvalReport run(SparkSession spark, EvalSettings settings) {
    return run(spark, LoadedSuites.load(settings.suites()), settings);
  }

  /**
   * Evaluates the model on suites already loaded (several models, one load; {@code settings.suites()} is
   * then not read again).
   *
   * @throws IllegalArgumentException when no prompt was accepted, or a chat template is asked for and the
   *     tokenizer has none
   */
  public static EvalReport run(SparkSession spark, LoadedSuites suites, EvalSettings settings) {
    if (suites.prompts().isEmpty()) {
      throw new IllegalArgumentException("the eval suites yielded no prompt (" + suites.total().describe()
          + "; see the rejects table); nothing to evaluate");
    }
    if (settings.generation().chatTemplate()) {
      // fail here, once, rather than in every task
      EvalTokenizer.renderChat(settings.tokenizer().load(), "probe").orElseThrow(() -> new IllegalArgumentException(
          "chat_template = true but tokenizer " + settings.tokenizer().location() + " has no chat template"));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobDescription("eval " + settings.modelLabel() + ": " + suites.prompts().size() + " prompts");
    List<EvalRow> rows = jsc.parallelize(suites.prompts(), settings.partitions())
        .mapPartitions(part -> {
          List<SuitePrompt> mine = new ArrayList<>();
          part.forEachRemaining(mine::add);
          return evaluate(mine, settings).iterator();
        })
        .collect();
    EvalSummary summary = summarise(rows);
    PerplexityResult heldOut = settings.heldOutText() == null ? null
        : HeldOutPerplexityJob.run(jsc, settings.model(), settings.tokenizer(), settings.heldOutText(),
            settings.partitions(), settings.generation().batchSize());
    return new EvalReport(settings.modelLabel(), rows, summary, heldOut, suites.rejects(), suites.reports());
  }

  /** One partition: generate (holding the JVM's model lock), then decode and judge. */
  static List<EvalRow> evaluate(List<SuitePrompt> prompts, EvalSettings settings) {
    if (prompts.isEmpty()) {
      return List.of();
    }
    Tokenizer tokenizer = settings.tokenizer().load();
    List<Response> responses =
        JvmGradientLock.run(() -> respond(ExecutorModels.pristine(settings.model()), tokenizer, prompts, settings.generation()));
    Judge judge = JudgeCatalog.named(settings.judge());
    List<EvalRow> rows = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      SuitePrompt p = prompts.get(i);
      Response r = responses.get(i);
      String response = tokenizer.decode(r.generated());
      Verdict verdict = judge.judge(p.prompt().prompt(), response);
      ExpectedBehavior expected = ExpectedBehavior.valueOf(p.prompt().expected().name());
      rows.add(new EvalRow(settings.modelLabel(), p.suite(), p.prompt().id(), p.prompt().category(),
          p.prompt().prompt(), expected, response, verdict.behavior(), verdict.meets(expected), verdict.judge(),
          verdict.evidence(), r.prompt().ids().length, r.generated().length, r.prompt().truncated()));
    }
    return rows;
  }

  /** A prompt as encoded and the ids generated for it (stop token excluded). */
  record Response(EncodedPrompt prompt, int[] generated) {}

  /**
   * Encodes and answers {@code prompts} on {@code model}, {@code batchSize} at a time, shortest first; the
   * responses come back in the order of {@code prompts}. The caller holds the model's lock.
   */
  static List<Response> respond(LlamaModel model, Tokenizer tokenizer, List<SuitePrompt> prompts,
      GenerationSettings generation) {
    int context = model.config().maxPositionEmbeddings();
    EncodedPrompt[] encoded = new EncodedPrompt[prompts.size()];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = EncodedPrompt.encode(tokenizer, prompts.get(i).prompt().prompt(), generation.chatTemplate(), context,
          generation.maxNewTokens());
    }
    Integer[] order = new Integer[encoded.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> encoded[i].ids().length).thenComparingInt(i -> i));
    int[][] generated = new int[encoded.length][];
    for (int from = 0; from < order.length; from += generation.batchSize()) {
      int to = Math.min(order.length, from + generation.batchSize());
      List<int[]> batch = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        batch.add(encoded[order[k]].ids());
      }
      // seeds only matter when sampling: row r of the batch samples with seed + index of the batch's first prompt + r
      long batchSeed = generation.seed() + prompts.get(order[from]).index();
      List<int[]> out = TextGenerator.generate(model, batch, generation.options(tokenizer, batchSeed));
      for (int k = from; k < to; k++) {
        generated[order[k]] = out.get(k - from);
      }
    }
    List<Response> responses = new ArrayList<>(encoded.length);
    for (int i = 0; i < encoded.length; i++) {
      responses.add(new Response(encoded[i], generated[i]));
    }
    return responses;
  }

  /** The rows as the summary counts them (exposed for callers that hold rows of several runs). */
  public static EvalSummary summarise(List<EvalRow> rows) {
    List<JudgedResponse> judged = new ArrayList<>(rows.size());
    rows.forEach(r -> judged.add(r.judged()));
    return EvalSummary.of(judged);
  }
}
