package io.aligntune.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link LlamaModel#forwardPacked}: examples packed into one row must not see each other. */
class LlamaModelPackedTest {

  static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Two rows: 3 examples of 5, 9, 3 tokens + 4 padding, and 2 examples of 7 and 12 + 2 padding. */
  static final int[][] ROW_LENGTHS = {{5, 9, 3}, {7, 12}};
  static final int ROW = 21;

  /** A model with active, non-zero LoRA adapters, so the adapter path is packed too. */
  static LlamaModel adaptedModel() {
    LlamaModel model = LlamaModel.random(manager, LlamaModelTest.TINY, 17);
    model.addLora(new LoraConfig(4, 8, 0.0, List.of("q", "k", "v", "o", "gate", "up", "down")), 3);
    Map<String, HostTensor> trainable = model.exportTrainable();
    SplittableRandom r = new SplittableRandom(2);
    trainable.forEach((name, t) -> {
      for (int i = 0; i < t.data().length; i++) {
        t.data()[i] = (float) (r.nextDouble() - 0.5) * 0.2f;
      }
    });
    model.setParameters(trainable);
    return model;
  }

  @Test
  void packedRowLogitsEqualEachExampleAlone() {
    int vocab = LlamaModelTest.TINY.vocabSize();
    try (LlamaModel model = adaptedModel(); NDManager m = manager.newSubManager()) {
      int rows = ROW_LENGTHS.length;
      long[] ids = new long[rows * ROW];
      long[] segments = new long[rows * ROW];
      int[][][] examples = new int[rows][][];
      for (int r = 0; r < rows; r++) {
        examples[r] = new int[ROW_LENGTHS[r].length][];
        int at = 0;
        for (int e = 0; e < ROW_LENGTHS[r].length; e++) {
          int[] example = LlamaModelTest.randomIds(100 * r + e, ROW_LENGTHS[r][e], vocab);
          example[0] = 1; // each example opens with its BOS, as tokenized examples do
          examples[r][e] = example;
          for (int t = 0; t < example.length; t++) {
            ids[r * ROW + at + t] = example[t];
            segments[r * ROW + at + t] = e + 1;
          }
          at += example.length;
        }
        for (; at < ROW; at++) {
          ids[r * ROW + at] = 7; // padding: any id, segment 0
        }
      }
      float[] packed = model.forwardPacked(m.create(ids, new Shape(rows, ROW)), m.create(segments, new Shape(rows, ROW)),
          null, false).toFloatArray();
      assertTrue(allFinite(packed), "padding positions attend to nothing but must stay finite");

      double maxDiff = 0;
      for (int r = 0; r < rows; r++) {
        int at = 0;
        for (int[] example : examples[r]) {
          float[] alone = alone(model, example);
          for (int i = 0; i < alone.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(alone[i] - packed[(r * ROW + at) * vocab + i]));
          }
          at += example.length;
        }
      }
      System.out.printf("[packed-logits] max |packed - alone| over %d examples: %.3g%n", 5, maxDiff);
      assertTrue(maxDiff < 1e-5, "packed logits differ from each example alone by " + maxDiff);

      // the same row through the plain causal forward lets later examples read earlier ones: the mask matters
      float[] unmasked = model.forward(m.create(ids, new Shape(rows, ROW)), null, null, null, false).toFloatArray();
      int second = ROW_LENGTHS[0][0];
      float[] secondAlone = alone(model, examples[0][1]);
      double leak = 0;
      for (int i = 0; i < secondAlone.length; i++) {
        leak = Math.max(leak, Math.abs(secondAlone[i] - unmasked[second * vocab + i]));
      }
      assertTrue(leak > 1e-3, "without segments the second example must see the first (diff " + leak + ")");
    }
  }

  @Test
  void oneSegmentWithoutPaddingEqualsThePlainForward() {
    try (LlamaModel model = adaptedModel(); NDManager m = manager.newSubManager()) {
      int[] example = LlamaModelTest.randomIds(5, 16, LlamaModelTest.TINY.vocabSize());
      long[] ids = new long[example.length];
      long[] segments = new long[example.length];
      for (int i = 0; i < example.length; i++) {
        ids[i] = example[i];
        segments[i] = 4; // any non-zero id
      }
      float[] packed = model.forwardPacked(m.create(ids, new Shape(1, ids.length)),
          m.create(segments, new Shape(1, ids.length)), null, false).toFloatArray();
      assertArrayEquals(alone(model, example), packed, 1e-5f);
    }
  }

  @Test
  void positionsRestartWithEachSegmentAndAreZeroOnPadding() {
    long[] segments = {1, 1, 1, 2, 2, 3, 0, 0, /* next row */ 1, 1, 1, 1, 1, 2, 2, 2};
    assertArrayEquals(new long[] {0, 1, 2, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 0, 1, 2},
        LlamaModel.segmentPositions(segments, 8));
    // a new row restarts even when its first segment id equals the last one of the row before
    assertArrayEquals(new long[] {0, 1, 0, 1}, LlamaModel.segmentPositions(new long[] {1, 1, 1, 1}, 2));
  }

  @Test
  void packedForwardLeavesNoNativeArraysBehind() {
    try (LlamaModel model = adaptedModel()) {
      Runnable pass = () -> {
        try (NDManager m = manager.newSubManager()) {
          NDArray ids = m.create(new long[] {1, 5, 6, 1, 8, 0}, new Shape(1, 6));
          NDArray seg = m.create(new long[] {1, 1, 1, 2, 2, 0}, new Shape(1, 6));
          model.forwardPacked(ids, seg, null, false);
        }
      };
      pass.run();
      int before = model.manager().getManagedArrays().size();
      for (int i = 0; i < 3; i++) {
        pass.run();
      }
      assertEquals(before, model.manager().getManagedArrays().size());
    }
  }

  /** One example's logits from the plain (unpacked) forward. */
  static float[] alone(LlamaModel model, int[] ids) {
    try (NDManager m = manager.newSubManager()) {
      return model.forward(LlamaModel.idsArray(m, List.of(ids), ids.length, 0), null, null, null, false).toFloatArray();
    }
  }

  static boolean allFinite(float[] values) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
