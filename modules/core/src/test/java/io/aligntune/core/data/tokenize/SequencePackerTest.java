package io.aligntune.core.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SequencePackerTest {

  static TokenizedSequence sequence(int... ids) {
    boolean[] supervised = new boolean[ids.length];
    for (int i = 1; i < ids.length; i++) {
      supervised[i] = true;
    }
    return new TokenizedSequence(ids, supervised);
  }

  @Test
  void packsInOrderWithSegmentAndPositionIds() {
    SequencePacker packer = new SequencePacker(8, 0);
    List<PackedRow> rows = packer.pack(List.of(sequence(1, 10, 11, 2), sequence(1, 20, 2), sequence(1, 30, 31, 32, 2)));
    assertEquals(2, rows.size());
    PackedRow first = rows.get(0);
    assertArrayEquals(new int[] {1, 10, 11, 2, 1, 20, 2, 0}, first.ids());
    assertArrayEquals(new int[] {1, 1, 1, 1, 2, 2, 2, 0}, first.segmentIds());
    assertArrayEquals(new int[] {0, 1, 2, 3, 0, 1, 2, 0}, first.positionIds());
    assertArrayEquals(new boolean[] {false, true, true, true, false, true, true, false}, first.supervised(),
        "each example's BOS stays unsupervised, so nothing is trained across the boundary; padding is masked");
    assertArrayEquals(new int[] {0, 4}, first.exampleStarts());
    assertEquals(7, first.usedLength());
    assertEquals(1, rows.get(1).exampleCount());
    assertEquals(5, rows.get(1).usedLength());
  }

  @Test
  void exampleFillingARowExactlyIsAlone() {
    List<PackedRow> rows = new SequencePacker(3, 0).pack(List.of(sequence(1, 5, 2), sequence(1, 6)));
    assertEquals(2, rows.size());
    assertEquals(3, rows.get(0).usedLength());
  }

  @Test
  void overLongExampleIsRefused() {
    SequencePacker packer = new SequencePacker(3, 0);
    assertThrows(IllegalArgumentException.class, () -> packer.pack(List.of(sequence(1, 2, 3, 4))));
  }

  /**
   * Lengths 5, 4, 3, 2, 6, 1 into rows of 8, worked by hand with first-fit: 5 → row 0 (3 left), 4 → row 1
   * (4 left), 3 → row 0 (full), 2 → row 1 (2 left), 6 → row 2 (2 left), 1 → row 1 (1 left). Next-fit would
   * need 4 rows ([5], [4, 3], [2, 6], [1]). 21 real tokens in 3 × 8 positions: efficiency 0.875; one row
   * per example would be 21 / 48 = 0.4375.
   */
  @Test
  void firstFitPlanOnAHandExample() {
    PackingPlan plan = SequencePacker.plan(new int[] {5, 4, 3, 2, 6, 1}, 8);
    assertEquals(3, plan.rowCount());
    assertArrayEquals(new int[] {0, 2}, plan.row(0));
    assertArrayEquals(new int[] {1, 3, 5}, plan.row(1));
    assertArrayEquals(new int[] {4}, plan.row(2));
    assertEquals(6, plan.exampleCount());
    assertEquals(21, plan.tokens());
    assertEquals(0.875, plan.efficiency(), 1e-12);
    assertEquals(0.4375, plan.unpackedEfficiency(), 1e-12);
    assertArrayEquals(new int[] {0, 1, 0, 1, 2, 1}, plan.rowOf());
    assertTrue(plan.summary().contains("6 examples in, 3 rows of 8 out"), plan.summary());
  }

  /** Random lengths: every example exactly once, rows within the limit, order kept, and the first-fit rule. */
  @Test
  void planKeepsEveryExampleWholeInOrderAndFollowsFirstFit() {
    SplittableRandom random = new SplittableRandom(3);
    for (int trial = 0; trial < 50; trial++) {
      int rowLength = 2 + random.nextInt(60);
      int[] lengths = new int[random.nextInt(200)];
      for (int e = 0; e < lengths.length; e++) {
        lengths[e] = 1 + random.nextInt(random.nextBoolean() ? rowLength : Math.max(1, rowLength / 4));
      }
      PackingPlan plan = SequencePacker.plan(lengths, rowLength);
      int[] seen = new int[lengths.length];
      int[] rowOf = new int[lengths.length];
      int lastFirst = -1;
      long tokens = 0;
      for (int r = 0; r < plan.rowCount(); r++) {
        int[] row = plan.row(r);
        assertTrue(row.length > 0, "no empty rows");
        assertTrue(row[0] > lastFirst, "rows are ordered by their first example");
        lastFirst = row[0];
        int used = 0;
        for (int k = 0; k < row.length; k++) {
          assertTrue(k == 0 || row[k] > row[k - 1], "examples keep their order within a row");
          seen[row[k]]++;
          rowOf[row[k]] = r;
          used += lengths[row[k]];
        }
        assertTrue(used <= rowLength, "row " + r + " holds " + used + " > " + rowLength);
        tokens += used;
      }
      for (int e = 0; e < lengths.length; e++) {
        assertEquals(1, seen[e], "example " + e + " must be in exactly one row");
      }
      assertEquals(tokens, plan.tokens());
      // first-fit: when example e was placed, no earlier row had room for it
      int[] usedBefore = new int[plan.rowCount()];
      for (int e = 0; e < lengths.length; e++) {
        for (int r = 0; r < rowOf[e]; r++) {
          assertTrue(usedBefore[r] + lengths[e] > rowLength, "example " + e + " fitted in earlier row " + r);
        }
        usedBefore[rowOf[e]] += lengths[e];
      }
      assertArrayEquals(rowOf, plan.rowOf());
    }
  }

  @Test
  void packedRowsHoldTheExamplesTokensUnsplit() {
    List<TokenizedSequence> examples = List.of(sequence(1, 10, 11, 12, 2), sequence(1, 20, 21, 2), sequence(1, 30, 2),
        sequence(1, 40));
    List<PackedRow> rows = new SequencePacker(8, 9).pack(examples);
    // 5 → row 0, 4 → row 1, 3 → row 0 (full), 2 → row 1
    assertEquals(2, rows.size());
    assertArrayEquals(new int[] {1, 10, 11, 12, 2, 1, 30, 2}, rows.get(0).ids());
    assertArrayEquals(new int[] {1, 20, 21, 2, 1, 40, 9, 9}, rows.get(1).ids());
    assertArrayEquals(new int[] {1, 1, 1, 1, 2, 2, 0, 0}, rows.get(1).segmentIds());
    assertArrayEquals(new int[] {0, 1, 2, 3, 0, 1, 0, 0}, rows.get(1).positionIds());
    assertEquals(6, rows.get(1).usedLength());
  }

  @Test
  void emptyInputPlansNoRows() {
    assertEquals(0, SequencePacker.plan(new int[0], 8).rowCount());
    assertEquals(0.0, SequencePacker.plan(new int[0], 8).efficiency());
  }
}
