package io.aligntune.spark.eval;

import io.aligntune.core.text.Tokenizer;
import io.aligntune.eval.suite.HeldOutText;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.LogProbs;
import io.aligntune.spark.io.HadoopFiles;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.model.ModelSource;
import io.aligntune.train.compute.JvmGradientLock;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Perplexity of held-out general text under a model, the forgetting check: fine-tuning that damages the
 * model's general language ability raises it, whatever the safety pass rates say.
 *
 * <p>The file is read on the driver (it is small) and split into documents at blank lines
 * ({@link HeldOutText#documents}); the documents are spread over partitions; each executor tokenizes a
 * document as [BOS] + ids, cuts it into context-sized windows ({@link HeldOutText#windows}), scores them in
 * batches with {@link LogProbs} on its cached model, and returns Σ NLL and the token count. The driver adds
 * the partitions' sums and takes exp(Σ NLL / tokens) once, so every token weighs the same.
 */
public final class HeldOutPerplexityJob {

  private HeldOutPerplexityJob() {}

  /**
   * @param textUri a UTF-8 text file, any Hadoop URI
   * @param batchSize windows per forward pass, > 0
   * @throws IllegalArgumentException when the file holds no document or is not valid UTF-8
   */
  public static PerplexityResult run(JavaSparkContext jsc, ModelSource model, EvalTokenizer tokenizer, String textUri,
      int partitions, int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch_size = " + batchSize + " is invalid; it must be > 0");
    }
    List<String> documents = HeldOutText.documents(readUtf8(textUri));
    if (documents.isEmpty()) {
      throw new IllegalArgumentException("held-out text " + textUri + " holds no document (only blank lines)");
    }
    jsc.setJobDescription("held-out perplexity: " + documents.size() + " documents of " + textUri);
    PerplexityResult nothing = new PerplexityResult(textUri, 0, 0, 0, 0);
    return jsc.parallelize(documents, partitions).mapPartitions(part -> {
      List<String> mine = new ArrayList<>();
      part.forEachRemaining(mine::add);
      if (mine.isEmpty()) {
        return List.of(nothing).iterator();
      }
      Tokenizer tok = tokenizer.load();
      return List.of(JvmGradientLock.run(() -> score(ExecutorModels.pristine(model), tok, mine, batchSize, textUri)))
          .iterator();
    }).reduce(PerplexityResult::plus);
  }

  /** Σ NLL and token count of {@code documents} under {@code model}: one partition's work. */
  static PerplexityResult score(LlamaModel model, Tokenizer tokenizer, List<String> documents, int batchSize,
      String source) {
    int context = model.config().maxPositionEmbeddings();
    List<int[]> windows = new ArrayList<>();
    for (String document : documents) {
      int[] body = tokenizer.encode(document);
      int[] sequence = new int[body.length + 1];
      sequence[0] = tokenizer.bosId();
      System.arraycopy(body, 0, sequence, 1, body.length);
      windows.addAll(HeldOutText.windows(sequence, context));
    }
    double nll = 0;
    long tokens = 0;
    for (int from = 0; from < windows.size(); from += batchSize) {
      List<int[]> batch = windows.subList(from, Math.min(windows.size(), from + batchSize));
      int[] scoredFrom = new int[batch.size()];
      Arrays.fill(scoredFrom, 1);
      float[] logProbSums = LogProbs.score(model, new LogProbs.Batch(batch, scoredFrom));
      for (int i = 0; i < batch.size(); i++) {
        nll -= logProbSums[i];
        tokens += batch.get(i).length - 1;
      }
    }
    return new PerplexityResult(source, documents.size(), windows.size(), tokens, nll);
  }

  static String readUtf8(String uri) {
    try (InputStream in = HadoopFiles.fileSystem(uri).open(HadoopFiles.path(uri))) {
      byte[] bytes = in.readAllBytes();
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("held-out text " + uri + " is not valid UTF-8: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read held-out text " + uri + ": " + e.getMessage(), e);
    }
  }
}
