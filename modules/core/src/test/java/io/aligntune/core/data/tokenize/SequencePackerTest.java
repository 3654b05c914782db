package io.aligntune.core.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Iterator;
import java.util.List;
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

  @Test
  void packsLazily() {
    Iterator<TokenizedSequence> endless = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public TokenizedSequence next() {
        return sequence(1, 7, 2);
      }
    };
    Iterator<PackedRow> rows = new SequencePacker(7, 0).pack(endless);
    assertEquals(2, rows.next().exampleCount());
    assertEquals(2, rows.next().exampleCount());
  }
}
