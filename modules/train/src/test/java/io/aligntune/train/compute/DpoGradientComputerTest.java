package io.aligntune.train.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.train.dpo.DpoExample;
import io.aligntune.train.dpo.ReferenceLogProbs;
import io.aligntune.train.loss.DpoLossConfig;
import io.aligntune.train.step.AverageOver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DpoGradientComputerTest {

  static final LlamaConfig CONFIG = new LlamaConfig(32, 48, 2, 4, 2, 61, 64, 1e-5, 10000.0, false, 1, 2, 0);

  /**
   * Regression: the first computation on a fresh model used to read garbage (NaN) gradients in layer 0,
   * because zeroing a not-yet-defined libtorch gradient leaves it uninitialised. The first and a repeated
   * computation must agree and be finite.
   */
  @Test
  void firstComputationOnAFreshModelIsFiniteAndRepeatable() {
    try (NDManager manager = NDManager.newBaseManager(); LlamaModel model = LlamaModel.random(manager, CONFIG, 11)) {
      model.addLora(new LoraConfig(4, 8, 0, List.of("q", "v", "o", "up")), 5);
      List<DpoExample> data = ReferenceLogProbs.fill(model, pairs(), 4);
      Map<String, HostTensor> w = model.exportTrainable();
      SplittableRandom r = new SplittableRandom(0);
      w.values().forEach(t -> {
        for (int i = 0; i < t.data().length; i++) {
          t.data()[i] += (float) ((r.nextDouble() - 0.5) * 0.3);
        }
      });
      model.setParameters(w);
      Map<String, HostTensor> first = DpoGradientComputer.compute(model, data, 3, DpoLossConfig.sigmoid(0.1))
          .averageGradients(AverageOver.PAIRS);
      Map<String, HostTensor> second = DpoGradientComputer.compute(model, data, 3, DpoLossConfig.sigmoid(0.1))
          .averageGradients(AverageOver.PAIRS);
      assertEquals(16, first.size());
      for (String name : first.keySet()) {
        float[] a = first.get(name).data();
        float[] b = second.get(name).data();
        for (int i = 0; i < a.length; i++) {
          assertTrue(Float.isFinite(a[i]), name + "[" + i + "] = " + a[i]);
          assertEquals(a[i], b[i], 1e-6, name + "[" + i + "]");
        }
      }
    }
  }

  static List<DpoExample> pairs() {
    SplittableRandom r = new SplittableRandom(2);
    List<DpoExample> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int[] chosen = {1, 5, 6, 7 + r.nextInt(40), 9, 2};
      int[] rejected = {1, 5, 6, 7 + r.nextInt(40), 2};
      out.add(new DpoExample(i, chosen, rejected, 3, 0, 0));
    }
    return out;
  }
}
