package io.aligntune.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.tensor.HostTensor;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AdamWTest {

  private static final AdamW.Settings SETTINGS = new AdamW.Settings(0.9, 0.999, 1e-8, 0.01);

  private static Map<String, HostTensor> single(String name, float... values) {
    Map<String, HostTensor> map = new TreeMap<>();
    map.put(name, new HostTensor(new long[] {values.length}, values));
    return map;
  }

  @Test
  void twoStepsMatchHandComputation() {
    Map<String, HostTensor> weights = single("w", 1.0f, -2.0f);
    AdamW optimizer = new AdamW(SETTINGS);

    // Step 1: m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) ≈ η·sign(g):
    //   w = w·(1 − ηλ) − η·g/(|g| + ε) = 1·0.999 − 0.1·0.5/(0.5 + 1e-8) = 0.899000002
    //                                  = −2·0.999 + 0.1·1/(1 + 1e-8)    = −1.898000001
    optimizer.update(weights, single("w", 0.5f, -1.0f), 0.1);
    assertArrayEquals(new float[] {0.899000002f, -1.898000001f}, weights.get("w").data(), 1e-7f);

    // Step 2, g = (0.1, 0.2):
    //   m = 0.9·(0.05, −0.1) + 0.1·(0.1, 0.2) = (0.055, −0.07);  m̂ = m / 0.19
    //   v = 0.999·(2.5e-4, 1e-3) + 0.001·(0.01, 0.04) = (2.5975e-4, 1.039e-3);  v̂ = v / 0.001999
    //   w = w·0.999 − 0.1·m̂/(√v̂ + ε) = (0.81779690638, −1.84499939399)
    optimizer.update(weights, single("w", 0.1f, 0.2f), 0.1);
    assertArrayEquals(new float[] {0.8177969064f, -1.8449993940f}, weights.get("w").data(), 1e-6f);
    assertEquals(2, optimizer.step());

    AdamWState state = optimizer.exportState();
    assertArrayEquals(new float[] {0.055f, -0.07f}, state.firstMoments().get("w").data(), 1e-8f);
    assertArrayEquals(new float[] {2.5975e-4f, 1.039e-3f}, state.secondMoments().get("w").data(), 1e-10f);
  }

  @Test
  void decayIsDecoupledFromTheGradient() {
    // A zero gradient leaves m = v = 0: only the decay moves the weight, by the factor 1 − ηλ.
    Map<String, HostTensor> weights = single("w", 4.0f);
    new AdamW(new AdamW.Settings(0.9, 0.999, 1e-8, 0.1)).update(weights, single("w", 0f), 0.5);
    assertEquals(4.0f * (1 - 0.05f), weights.get("w").data()[0], 1e-7f);

    Map<String, HostTensor> exempt = single("norm.weight", 4.0f);
    new AdamW(new AdamW.Settings(0.9, 0.999, 1e-8, 0.1), name -> !name.startsWith("norm"))
        .update(exempt, single("norm.weight", 0f), 0.5);
    assertEquals(4.0f, exempt.get("norm.weight").data()[0]);
  }

  private static Map<String, HostTensor> gradientAt(int step) {
    Map<String, HostTensor> gradients = new TreeMap<>();
    gradients.put("a", new HostTensor(new long[] {2, 2}, new float[] {
      0.3f * step, -0.1f, 0.05f * step * step, 1.5f - step}));
    gradients.put("b", new HostTensor(new long[] {3}, new float[] {step, -2f, 0.001f}));
    return gradients;
  }

  private static Map<String, HostTensor> initialWeights() {
    Map<String, HostTensor> weights = new TreeMap<>();
    weights.put("a", new HostTensor(new long[] {2, 2}, new float[] {0.5f, -0.25f, 1f, 2f}));
    weights.put("b", new HostTensor(new long[] {3}, new float[] {-1f, 0f, 3f}));
    return weights;
  }

  @Test
  void resumingFromExportedStateContinuesIdentically() {
    LearningRateSchedule schedule = new LearningRateSchedule.WarmupCosine(0.01, 2, 6, 0.1);

    Map<String, HostTensor> uninterrupted = initialWeights();
    AdamW straight = new AdamW(SETTINGS);
    for (int step = 0; step < 6; step++) {
      straight.update(uninterrupted, gradientAt(step), schedule.lr(step));
    }

    Map<String, HostTensor> resumed = initialWeights();
    AdamW first = new AdamW(SETTINGS);
    for (int step = 0; step < 3; step++) {
      first.update(resumed, gradientAt(step), schedule.lr(step));
    }
    // Through the flat tensor form a checkpoint stores.
    AdamWState saved = first.exportState();
    Map<String, HostTensor> stored = saved.toTensors();
    assertTrue(stored.containsKey("exp_avg/a") && stored.containsKey("exp_avg_sq/b"), stored.keySet().toString());
    AdamW second = AdamW.resume(SETTINGS, name -> true, AdamWState.fromTensors(saved.step(), stored));
    for (int step = 3; step < 6; step++) {
      second.update(resumed, gradientAt(step), schedule.lr(step));
    }

    assertEquals(uninterrupted, resumed);
    assertEquals(straight.exportState(), second.exportState());
  }

  @Test
  void exportedStateIsACopy() {
    Map<String, HostTensor> weights = single("w", 1f);
    AdamW optimizer = new AdamW(SETTINGS);
    optimizer.update(weights, single("w", 1f), 0.1);
    AdamWState before = optimizer.exportState();
    float m = before.firstMoments().get("w").data()[0];
    optimizer.update(weights, single("w", 1f), 0.1);
    assertEquals(m, before.firstMoments().get("w").data()[0]);
  }

  @Test
  void rejectsMismatchedNamesAndShapes() {
    AdamW optimizer = new AdamW(SETTINGS);
    IllegalArgumentException names =
        assertThrows(
            IllegalArgumentException.class,
            () -> optimizer.update(single("w", 1f), single("v", 1f), 0.1));
    assertTrue(names.getMessage().contains("different tensors"), names.getMessage());
    IllegalArgumentException shapes =
        assertThrows(
            IllegalArgumentException.class,
            () -> optimizer.update(single("w", 1f), single("w", 1f, 2f), 0.1));
    assertTrue(shapes.getMessage().contains("gradient of 'w'"), shapes.getMessage());
    optimizer.update(single("w", 1f), single("w", 1f), 0.1);
    assertThrows(
        IllegalArgumentException.class, () -> optimizer.update(single("x", 1f), single("x", 1f), 0.1));
  }

  @Test
  void validatesSettings() {
    assertThrows(IllegalArgumentException.class, () -> new AdamW.Settings(1.0, 0.999, 1e-8, 0));
    assertThrows(IllegalArgumentException.class, () -> new AdamW.Settings(0.9, -0.1, 1e-8, 0));
    assertThrows(IllegalArgumentException.class, () -> new AdamW.Settings(0.9, 0.999, 0, 0));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new AdamW.Settings(0.9, 0.999, 1e-8, -1));
    assertTrue(e.getMessage().contains("weight_decay = -1.0"), e.getMessage());
  }
}
