package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RotaryLayoutPermutationTest {

  @Test
  void movesEvenRowsToTheFirstHalfAndOddRowsToTheSecond() {
    // 2 heads of 4 rows, 2 columns; value = 10 * llama2c row + column.
    float[] rows = new float[16];
    for (int r = 0; r < 8; r++) {
      rows[2 * r] = 10 * r;
      rows[2 * r + 1] = 10 * r + 1;
    }
    float[] permuted = RotaryLayoutPermutation.interleavedToHalfSplit(rows, 2, 4, 2);
    // Head 0: HF rows 0,1,2,3 <- llama2c rows 0,2,1,3; head 1: 4,6,5,7.
    assertArrayEquals(
        new float[] {0, 1, 20, 21, 10, 11, 30, 31, 40, 41, 60, 61, 50, 51, 70, 71}, permuted);
  }

  /** Interleaved rotary embedding as llama2.c's run.c applies it, in place. */
  private static void ropeInterleaved(double[] v, int headDim, int position) {
    for (int start = 0; start < v.length; start += headDim) {
      for (int i = 0; i < headDim; i += 2) {
        double angle = position * Math.pow(10000.0, -(double) i / headDim);
        double a = v[start + i];
        double b = v[start + i + 1];
        v[start + i] = a * Math.cos(angle) - b * Math.sin(angle);
        v[start + i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
      }
    }
  }

  /** Hugging Face's rotate-half rotary embedding, in place. */
  private static void ropeHalfSplit(double[] v, int headDim, int position) {
    int half = headDim / 2;
    for (int start = 0; start < v.length; start += headDim) {
      for (int i = 0; i < half; i++) {
        double angle = position * Math.pow(10000.0, -(double) (2 * i) / headDim);
        double a = v[start + i];
        double b = v[start + i + half];
        v[start + i] = a * Math.cos(angle) - b * Math.sin(angle);
        v[start + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
      }
    }
  }

  private static double[] matVec(float[] w, int rows, int cols, double[] x) {
    double[] out = new double[rows];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[r] += w[r * cols + c] * x[c];
      }
    }
    return out;
  }

  /** q·k per query head, each query head reading its grouped-query key head. */
  private static double[] scores(double[] q, double[] k, int heads, int kvHeads, int headDim) {
    double[] s = new double[heads];
    for (int h = 0; h < heads; h++) {
      int kvHead = h / (heads / kvHeads);
      for (int d = 0; d < headDim; d++) {
        s[h] += q[h * headDim + d] * k[kvHead * headDim + d];
      }
    }
    return s;
  }

  @Test
  void permutedWeightsGiveTheSameAttentionScoresUnderHalfSplitRope() {
    int heads = 4;
    int kvHeads = 2;
    int headDim = 8;
    int cols = 12;
    Random random = new Random(3);
    float[] wq = new float[heads * headDim * cols];
    float[] wk = new float[kvHeads * headDim * cols];
    for (int i = 0; i < wq.length; i++) {
      wq[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < wk.length; i++) {
      wk[i] = (float) random.nextGaussian();
    }
    double[] xQuery = random.doubles(cols).toArray();
    double[] xKey = random.doubles(cols).toArray();
    int queryPos = 7;
    int keyPos = 3;

    double[] q = matVec(wq, heads * headDim, cols, xQuery);
    double[] k = matVec(wk, kvHeads * headDim, cols, xKey);
    ropeInterleaved(q, headDim, queryPos);
    ropeInterleaved(k, headDim, keyPos);

    float[] wqHf = RotaryLayoutPermutation.interleavedToHalfSplit(wq, heads, headDim, cols);
    float[] wkHf = RotaryLayoutPermutation.interleavedToHalfSplit(wk, kvHeads, headDim, cols);
    double[] qHf = matVec(wqHf, heads * headDim, cols, xQuery);
    double[] kHf = matVec(wkHf, kvHeads * headDim, cols, xKey);
    ropeHalfSplit(qHf, headDim, queryPos);
    ropeHalfSplit(kHf, headDim, keyPos);

    assertArrayEquals(scores(q, k, heads, kvHeads, headDim), scores(qHf, kHf, heads, kvHeads, headDim), 1e-9);
    // Without the permutation the half-split rotation computes something else.
    double[] qUnpermuted = matVec(wq, heads * headDim, cols, xQuery);
    double[] kUnpermuted = matVec(wk, kvHeads * headDim, cols, xKey);
    ropeHalfSplit(qUnpermuted, headDim, queryPos);
    ropeHalfSplit(kUnpermuted, headDim, keyPos);
    double wrong = scores(qUnpermuted, kUnpermuted, heads, kvHeads, headDim)[0];
    assertTrue(Math.abs(wrong - scores(q, k, heads, kvHeads, headDim)[0]) > 1e-3);
  }
}
