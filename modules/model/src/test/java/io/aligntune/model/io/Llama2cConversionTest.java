package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;

/**
 * Proves the llama2.c → Hugging Face conversion (rotary row permutation included) independently of the
 * golden generation tests: a plain-Java transcription of llama2.c's {@code run.c} forward pass, run on the
 * raw weights read straight from the {@code .bin} (interleaved rotary pairs (2i, 2i+1), no permutation), must
 * give the logits that {@link LlamaModel} (rotate-half, permuted q/k from {@link ModelCheckpoint#load}) gives,
 * at every position of a 16-token sequence.
 */
class Llama2cConversionTest {

  /** BOS + the first 15 tokens of llama2.c's greedy stories260K story ("Once upon a time, there was ..."). */
  private static final int[] TOKENS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};

  /**
   * Float32 rounding, not layout: these logits reach |20|, where one float32 step is 1.9e-6, and LlamaModel
   * computes ~25 chained float32 matmuls/norms (in libtorch's summation order) against this double-accumulated
   * reference. Measured: 1.4e-5 at worst and 4.3e-6 already at position 0, where the rotation is the identity
   * so the layout cannot matter (a reference summing in float32, exactly as run.c, differed by 1.2e-5); a wrong
   * layout moves logits by more than 1e-1. So 1e-5 absolute is below float32's reach here; 5e-5 is not.
   */
  private static final double TOLERANCE = 5e-5;

  @Test
  void runCForwardOnRawWeightsMatchesLlamaModelOnConvertedWeights() throws IOException {
    Path bin = TestFiles.stories260K();
    RunC reference = RunC.read(bin);
    float[][] expected = reference.logits(TOKENS);

    LoadedWeights converted = ModelCheckpoint.load(bin);
    float[][] actual = llamaModelLogits(converted.tensors(), converted);
    double maxDiff = maxAbsDiff(expected, actual);
    double atPositionZero = maxAbsDiff(new float[][] {expected[0]}, new float[][] {actual[0]});

    // The comparison is sensitive to the layout: the same weights without the q/k permutation disagree.
    LinkedHashMap<String, HostTensor> unpermuted = new LinkedHashMap<>(converted.tensors());
    for (int layer = 0; layer < reference.layers; layer++) {
      unpermuted.put(LlamaWeightLayout.layer(layer, "self_attn.q_proj"),
          new HostTensor(new long[] {reference.dim, reference.dim}, reference.slice(reference.wq, layer, reference.dim * reference.dim)));
      unpermuted.put(LlamaWeightLayout.layer(layer, "self_attn.k_proj"),
          new HostTensor(new long[] {reference.kvDim(), reference.dim}, reference.slice(reference.wk, layer, reference.kvDim() * reference.dim)));
    }
    double wrongLayoutDiff = maxAbsDiff(expected, llamaModelLogits(unpermuted, converted));
    System.out.printf("Llama2cConversionTest: max |logit difference| run.c vs LlamaModel over %d positions x %d"
        + " logits: %.3e (position 0, where the rotation is the identity: %.3e; largest |logit| %.1f);"
        + " without the q/k permutation: %.3e%n",
        TOKENS.length, reference.vocab, maxDiff, atPositionZero, maxAbs(expected), wrongLayoutDiff);
    assertTrue(maxDiff <= TOLERANCE, "max |logit difference| " + maxDiff);
    assertTrue(wrongLayoutDiff > 1e-1, "without the permutation the logits moved only " + wrongLayoutDiff);
  }

  private static float[][] llamaModelLogits(LinkedHashMap<String, HostTensor> tensors, LoadedWeights weights) {
    long[] ids = new long[TOKENS.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = TOKENS[i];
    }
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = LlamaModel.create(manager, weights.config(), tensors)) {
      float[] flat = model.forward(manager.create(ids, new Shape(1, ids.length)), null, null, null, false).toFloatArray();
      int vocab = weights.config().vocabSize();
      assertEquals(TOKENS.length * vocab, flat.length);
      float[][] out = new float[TOKENS.length][vocab];
      for (int t = 0; t < TOKENS.length; t++) {
        System.arraycopy(flat, t * vocab, out[t], 0, vocab);
      }
      return out;
    }
  }

  private static double maxAbs(float[][] a) {
    double max = 0;
    for (float[] row : a) {
      for (float v : row) {
        max = Math.max(max, Math.abs(v));
      }
    }
    return max;
  }

  private static double maxAbsDiff(float[][] a, float[][] b) {
    double max = 0;
    for (int t = 0; t < a.length; t++) {
      assertEquals(a[t].length, b[t].length);
      for (int v = 0; v < a[t].length; v++) {
        max = Math.max(max, Math.abs((double) a[t][v] - b[t][v]));
      }
    }
    return max;
  }

  /**
   * llama2.c's {@code run.c} ({@code read_checkpoint}, {@code forward}) for one sequence, transcribed to
   * Java: float32 weights in the file's own layout, dot products accumulated in double.
   */
  private static final class RunC {
    final int dim;
    final int hidden;
    final int layers;
    final int heads;
    final int kvHeads;
    final int vocab;
    final int seqLen;
    final float[] embedding;
    final float[] rmsAtt;
    final float[] wq;
    final float[] wk;
    final float[] wv;
    final float[] wo;
    final float[] rmsFfn;
    final float[] w1;
    final float[] w2;
    final float[] w3;
    final float[] rmsFinal;
    final float[] wcls;

    private RunC(ByteBuffer file) {
      dim = file.getInt();
      hidden = file.getInt();
      layers = file.getInt();
      heads = file.getInt();
      kvHeads = file.getInt();
      int signedVocab = file.getInt();
      vocab = Math.abs(signedVocab);
      seqLen = file.getInt();
      FloatBuffer f = file.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      int headSize = dim / heads;
      embedding = take(f, vocab * dim);
      rmsAtt = take(f, layers * dim);
      wq = take(f, layers * dim * dim);
      wk = take(f, layers * kvDim() * dim);
      wv = take(f, layers * kvDim() * dim);
      wo = take(f, layers * dim * dim);
      rmsFfn = take(f, layers * dim);
      w1 = take(f, layers * hidden * dim);
      w2 = take(f, layers * dim * hidden);
      w3 = take(f, layers * hidden * dim);
      rmsFinal = take(f, dim);
      take(f, seqLen * headSize / 2); // freq_cis_real (unused by run.c)
      take(f, seqLen * headSize / 2); // freq_cis_imag
      wcls = signedVocab > 0 ? embedding : take(f, vocab * dim);
      assertEquals(0, f.remaining(), "bytes left after the last weight");
    }

    static RunC read(Path bin) throws IOException {
      return new RunC(ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN));
    }

    private static float[] take(FloatBuffer f, int n) {
      float[] out = new float[n];
      f.get(out);
      return out;
    }

    int kvDim() {
      return dim * kvHeads / heads;
    }

    float[] slice(float[] all, int layer, int size) {
      float[] out = new float[size];
      System.arraycopy(all, layer * size, out, 0, size);
      return out;
    }

    /** Logits at every position of {@code tokens}, one forward step per position as run.c does. */
    float[][] logits(int[] tokens) {
      int headSize = dim / heads;
      int kvDim = kvDim();
      int kvMul = heads / kvHeads;
      float[][][] keyCache = new float[layers][tokens.length][];
      float[][][] valueCache = new float[layers][tokens.length][];
      float[][] out = new float[tokens.length][];
      for (int pos = 0; pos < tokens.length; pos++) {
        float[] x = new float[dim];
        System.arraycopy(embedding, tokens[pos] * dim, x, 0, dim);
        for (int l = 0; l < layers; l++) {
          float[] xb = rmsNorm(x, rmsAtt, l * dim);
          float[] q = matmul(xb, wq, l * dim * dim, dim, dim);
          float[] k = matmul(xb, wk, l * kvDim * dim, dim, kvDim);
          float[] v = matmul(xb, wv, l * kvDim * dim, dim, kvDim);
          // RoPE, run.c style: rotate each adjacent pair (i, i+1) of every head
          for (int i = 0; i < dim; i += 2) {
            int headDim = i % headSize;
            // float32 frequency and angle, as run.c computes them (powf, float multiply, cosf/sinf)
            float freq = (float) (1.0 / Math.pow(10000.0, headDim / (double) headSize));
            float angle = pos * freq;
            double cos = (float) Math.cos(angle);
            double sin = (float) Math.sin(angle);
            int rotations = i < kvDim ? 2 : 1; // q always, k only within kv_dim
            for (int r = 0; r < rotations; r++) {
              float[] vec = r == 0 ? q : k;
              double v0 = vec[i];
              double v1 = vec[i + 1];
              vec[i] = (float) (v0 * cos - v1 * sin);
              vec[i + 1] = (float) (v0 * sin + v1 * cos);
            }
          }
          keyCache[l][pos] = k;
          valueCache[l][pos] = v;
          float[] attended = new float[dim];
          for (int h = 0; h < heads; h++) {
            int kvOffset = (h / kvMul) * headSize;
            double[] scores = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
              double dot = 0;
              for (int i = 0; i < headSize; i++) {
                dot += (double) q[h * headSize + i] * keyCache[l][t][kvOffset + i];
              }
              scores[t] = dot / Math.sqrt(headSize);
              max = Math.max(max, scores[t]);
            }
            double total = 0;
            for (int t = 0; t <= pos; t++) {
              scores[t] = Math.exp(scores[t] - max);
              total += scores[t];
            }
            for (int i = 0; i < headSize; i++) {
              double sum = 0;
              for (int t = 0; t <= pos; t++) {
                sum += scores[t] / total * valueCache[l][t][kvOffset + i];
              }
              attended[h * headSize + i] = (float) sum;
            }
          }
          float[] attentionOut = matmul(attended, wo, l * dim * dim, dim, dim);
          for (int i = 0; i < dim; i++) {
            x[i] += attentionOut[i];
          }
          xb = rmsNorm(x, rmsFfn, l * dim);
          float[] gate = matmul(xb, w1, l * hidden * dim, dim, hidden);
          float[] up = matmul(xb, w3, l * hidden * dim, dim, hidden);
          for (int i = 0; i < hidden; i++) {
            double g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g)) * up[i]); // SwiGLU: silu(w1 x) * (w3 x)
          }
          float[] ffnOut = matmul(gate, w2, l * dim * hidden, hidden, dim);
          for (int i = 0; i < dim; i++) {
            x[i] += ffnOut[i];
          }
        }
        out[pos] = matmul(rmsNorm(x, rmsFinal, 0), wcls, 0, dim, vocab);
      }
      return out;
    }

    /** run.c's rmsnorm: weight * x / sqrt(mean(x^2) + 1e-5). */
    private static float[] rmsNorm(float[] x, float[] weight, int offset) {
      double squares = 0;
      for (float v : x) {
        squares += (double) v * v;
      }
      double scale = 1.0 / Math.sqrt(squares / x.length + 1e-5);
      float[] out = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        out[i] = (float) (weight[offset + i] * (scale * x[i]));
      }
      return out;
    }

    /** W (d, n) at {@code offset}, row-major, times x (n,): run.c's matmul. */
    private static float[] matmul(float[] x, float[] w, int offset, int n, int d) {
      float[] out = new float[d];
      for (int i = 0; i < d; i++) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
          sum += (double) w[offset + i * n + j] * x[j];
        }
        out[i] = (float) sum;
      }
      return out;
    }
  }
}
