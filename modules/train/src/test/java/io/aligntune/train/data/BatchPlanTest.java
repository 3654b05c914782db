package io.aligntune.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

  @Test
  void everyEpochVisitsEveryExampleOnceAndEpochsDifferInOrder() {
    BatchPlan plan = new BatchPlan(50, 16, 7);
    assertEquals(4, plan.stepsPerEpoch()); // 16 + 16 + 16 + 2
    for (int epoch = 0; epoch < 3; epoch++) {
      int[] seen = new int[50];
      for (int s = 0; s < plan.stepsPerEpoch(); s++) {
        for (int i : plan.examplesOf((long) epoch * plan.stepsPerEpoch() + s)) {
          seen[i]++;
        }
      }
      int[] once = new int[50];
      Arrays.fill(once, 1);
      assertArrayEquals(once, seen, "epoch " + epoch);
    }
    assertEquals(2, plan.examplesOf(3).length);
    assertNotEquals(Arrays.toString(plan.epochOrder(0)), Arrays.toString(plan.epochOrder(1)));
  }

  @Test
  void positionInStepAgreesWithExamplesOf() {
    BatchPlan plan = new BatchPlan(37, 8, 3);
    for (long step = 0; step < 12; step++) {
      int[] batch = plan.examplesOf(step);
      int inStep = 0;
      for (int index = 0; index < 37; index++) {
        int p = plan.positionInStep(step, index);
        if (p >= 0) {
          assertEquals(index, batch[p], "step " + step + " position " + p);
          inStep++;
        }
      }
      assertEquals(batch.length, inStep, "step " + step);
    }
  }

  @Test
  void workerSlotsDealEveryStepEvenly() {
    for (int workers : new int[] {1, 2, 3, 5}) {
      BatchPlan plan = new BatchPlan(103, 16, 11);
      for (long step = 0; step < 3L * plan.stepsPerEpoch(); step++) {
        int epoch = plan.epochOf(step);
        int[] perWorker = new int[workers];
        for (int index : plan.examplesOf(step)) {
          perWorker[plan.workerSlot(epoch, index, workers)]++;
        }
        int min = Arrays.stream(perWorker).min().getAsInt();
        int max = Arrays.stream(perWorker).max().getAsInt();
        assertTrue(max - min <= 1, workers + " workers, step " + step + ": " + Arrays.toString(perWorker));
      }
    }
  }

  @Test
  void aDeserialisedPlanPicksTheSameBatches() throws Exception {
    BatchPlan plan = new BatchPlan(40, 8, 5);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(plan);
    }
    BatchPlan copy;
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (BatchPlan) in.readObject();
    }
    for (long step = 0; step < 11; step++) {
      assertArrayEquals(plan.examplesOf(step), copy.examplesOf(step));
      for (int i = 0; i < 40; i++) {
        assertEquals(plan.positionInStep(step, i), copy.positionInStep(step, i));
      }
    }
  }
}
