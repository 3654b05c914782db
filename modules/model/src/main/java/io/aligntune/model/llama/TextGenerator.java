package io.aligntune.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Autoregressive generation with a KV cache: one prefill pass over the prompts, then one position per
 * step. Prompts of different lengths are left-padded into one batch (padding masked, rotary positions
 * counted from each prompt's first real token), so a batch gives each prompt the continuation it would get
 * alone, up to float rounding.
 */
public final class TextGenerator {

  /**
   * @param maxNewTokens upper bound on generated tokens per prompt
   * @param temperature 0 = greedy (argmax); otherwise softmax(logits / temperature) sampling
   * @param topP nucleus sampling: sample among the most likely tokens whose mass reaches topP (1 = all)
   * @param seed seeds the sampler; prompt i of a batch uses seed + i
   * @param stopIds generation of a prompt ends when one of these is produced (it is not returned)
   */
  public record Options(int maxNewTokens, double temperature, double topP, long seed, Set<Integer> stopIds) {
    public Options {
      if (maxNewTokens < 0) {
        throw new IllegalArgumentException("max-new-tokens must be >= 0, got " + maxNewTokens);
      }
      if (!(temperature >= 0) || Double.isInfinite(temperature)) {
        throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
      }
      if (!(topP > 0 && topP <= 1)) {
        throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
      }
      stopIds = Set.copyOf(stopIds);
    }

    public static Options greedy(int maxNewTokens, Set<Integer> stopIds) {
      return new Options(maxNewTokens, 0, 1, 0, stopIds);
    }
  }

  private TextGenerator() {}

  /** Generated ids (without the prompt and without the stop token) for each prompt. */
  public static List<int[]> generate(LlamaModel model, List<int[]> prompts, Options options) {
    int rows = prompts.size();
    int longest = 0;
    for (int[] p : prompts) {
      if (p.length == 0) {
        throw new IllegalArgumentException("a prompt must hold at least one token (e.g. BOS)");
      }
      longest = Math.max(longest, p.length);
    }
    int maxPositions = model.config().maxPositionEmbeddings();
    int budget = Math.min(options.maxNewTokens(), maxPositions - longest);
    List<List<Integer>> out = new ArrayList<>();
    boolean[] done = new boolean[rows];
    SplittableRandom[] samplers = new SplittableRandom[rows];
    for (int r = 0; r < rows; r++) {
      out.add(new ArrayList<>());
      samplers[r] = new SplittableRandom(options.seed() + r);
    }
    try (NDManager scope = model.manager().newSubManager();
        KvCache cache = new KvCache(scope, model.config().numHiddenLayers())) {
      // prefill: left-padded prompts
      long[] ids = new long[rows * longest];
      float[] mask = new float[rows * longest];
      long[] positions = new long[rows * longest];
      long[] nextPosition = new long[rows];
      for (int r = 0; r < rows; r++) {
        int[] p = prompts.get(r);
        int offset = longest - p.length;
        for (int c = 0; c < p.length; c++) {
          ids[r * longest + offset + c] = p[c];
          mask[r * longest + offset + c] = 1f;
          positions[r * longest + offset + c] = c;
        }
        nextPosition[r] = p.length;
      }
      float[] fullMask = mask;
      int width = longest;
      float[][] lastLogits = step(model, scope, cache, ids, fullMask, positions, rows, longest, width);
      for (int t = 0; t < budget; t++) {
        long[] nextIds = new long[rows];
        boolean anyActive = false;
        for (int r = 0; r < rows; r++) {
          if (done[r]) {
            continue;
          }
          int token = pick(lastLogits[r], options, samplers[r]);
          if (options.stopIds().contains(token)) {
            done[r] = true;
            continue;
          }
          out.get(r).add(token);
          nextIds[r] = token;
          anyActive = true;
        }
        if (!anyActive || t == budget - 1) {
          break;
        }
        // extend the mask by one column: 1 for rows still generating, 0 for finished ones
        float[] grown = new float[rows * (width + 1)];
        long[] stepPositions = new long[rows];
        for (int r = 0; r < rows; r++) {
          System.arraycopy(fullMask, r * width, grown, r * (width + 1), width);
          grown[r * (width + 1) + width] = done[r] ? 0f : 1f;
          stepPositions[r] = nextPosition[r]++;
        }
        width++;
        fullMask = grown;
        lastLogits = step(model, scope, cache, nextIds, fullMask, stepPositions, rows, 1, width);
      }
    }
    List<int[]> result = new ArrayList<>();
    for (List<Integer> tokens : out) {
      result.add(tokens.stream().mapToInt(Integer::intValue).toArray());
    }
    return result;
  }

  private static float[][] step(LlamaModel model, NDManager scope, KvCache cache, long[] ids, float[] mask,
      long[] positions, int rows, int steps, int width) {
    try (NDManager scratch = scope.newSubManager()) {
      NDArray input = scratch.create(ids, new Shape(rows, steps));
      NDArray attention = scratch.create(mask, new Shape(rows, width));
      NDArray pos = scratch.create(positions, new Shape(rows, steps));
      NDArray logits = model.forward(input, attention, pos, cache, false);
      int vocab = model.config().vocabSize();
      float[] last = logits.get(":, -1, :").toFloatArray();
      float[][] perRow = new float[rows][];
      for (int r = 0; r < rows; r++) {
        perRow[r] = Arrays.copyOfRange(last, r * vocab, (r + 1) * vocab);
      }
      return perRow;
    }
  }

  /** Argmax at temperature 0 (lowest id on ties, as llama2.c), else temperature + nucleus sampling. */
  static int pick(float[] logits, Options options, SplittableRandom random) {
    if (options.temperature() == 0) {
      int best = 0;
      for (int i = 1; i < logits.length; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      return best;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] probs = new double[logits.length];
    double total = 0;
    for (int i = 0; i < logits.length; i++) {
      probs[i] = Math.exp((logits[i] - max) / options.temperature());
      total += probs[i];
    }
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
      probs[i] /= total;
    }
    int keep = order.length;
    if (options.topP() < 1) {
      Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
      double mass = 0;
      for (int i = 0; i < order.length; i++) {
        mass += probs[order[i]];
        if (mass >= options.topP()) {
          keep = i + 1;
          break;
        }
      }
    }
    double kept = 0;
    for (int i = 0; i < keep; i++) {
      kept += probs[order[i]];
    }
    double u = random.nextDouble() * kept;
    double acc = 0;
    for (int i = 0; i < keep; i++) {
      acc += probs[order[i]];
      if (u < acc) {
        return order[i];
      }
    }
    return order[keep - 1];
  }
}
