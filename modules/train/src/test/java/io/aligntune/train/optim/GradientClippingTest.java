package io.aligntune.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.tensor.HostTensor;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

  /** Two tensors whose global norm is √(3² + 4² + 12²) = 13. */
  private static Map<String, HostTensor> normThirteen() {
    Map<String, HostTensor> gradients = new TreeMap<>();
    gradients.put("a", new HostTensor(new long[] {2}, new float[] {3f, 4f}));
    gradients.put("b", new HostTensor(new long[] {1, 1}, new float[] {-12f}));
    return gradients;
  }

  @Test
  void globalNormSpansAllTensors() {
    assertEquals(13.0, GradientClipping.globalNorm(normThirteen()));
  }

  @Test
  void clipsToMaxNormAndReturnsThePreClipNorm() {
    Map<String, HostTensor> gradients = normThirteen();
    assertEquals(13.0, GradientClipping.clipByGlobalNorm(gradients, 6.5));
    double scale = 6.5 / (13.0 + 1e-6);
    assertArrayEquals(new float[] {(float) (3 * scale), (float) (4 * scale)}, gradients.get("a").data());
    assertArrayEquals(new float[] {(float) (-12 * scale)}, gradients.get("b").data());
    assertEquals(6.5, GradientClipping.globalNorm(gradients), 1e-5);
  }

  @Test
  void leavesSmallGradientsAlone() {
    Map<String, HostTensor> gradients = normThirteen();
    assertEquals(13.0, GradientClipping.clipByGlobalNorm(gradients, 20));
    assertEquals(normThirteen(), gradients);
    // As in PyTorch, a norm just under max_norm + 1e-6 is not scaled ...
    assertEquals(13.0, GradientClipping.clipByGlobalNorm(gradients, 13.0 + 1e-6));
    assertEquals(normThirteen(), gradients);
    // ... and one equal to max_norm is, by the factor 13/(13 + 1e-6).
    GradientClipping.clipByGlobalNorm(gradients, 13.0);
    assertEquals((float) (3 * 13.0 / (13.0 + 1e-6)), gradients.get("a").data()[0]);
  }

  @Test
  void nonFiniteNormIsReportedAndGradientsAreLeftAsTheyAre() {
    Map<String, HostTensor> gradients = normThirteen();
    gradients.get("a").data()[0] = Float.NaN;
    assertTrue(Double.isNaN(GradientClipping.clipByGlobalNorm(gradients, 1.0)));
    assertEquals(-12f, gradients.get("b").data()[0]);
  }

  @Test
  void rejectsNonPositiveMaxNorm() {
    assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(normThirteen(), 0));
  }
}
