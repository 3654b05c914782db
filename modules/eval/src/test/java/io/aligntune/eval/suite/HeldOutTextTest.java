package io.aligntune.eval.suite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeldOutTextTest {

  @Test
  void documentsAreSeparatedByBlankLines() {
    String text = "\n\nfirst line\r\nsecond line\n\n  \t\nthird doc\n\n\n";
    assertEquals(List.of("first line\nsecond line", "third doc"), HeldOutText.documents(text));
    assertEquals(List.of(), HeldOutText.documents(" \n\n"));
  }

  @Test
  void shortSequenceIsOneWindow() {
    List<int[]> w = HeldOutText.windows(new int[] {1, 5, 6}, 4);
    assertEquals(1, w.size());
    assertArrayEquals(new int[] {1, 5, 6}, w.get(0));
  }

  @Test
  void windowsOverlapByOneTokenSoEachTokenIsScoredOnce() {
    int[] seq = {1, 10, 11, 12, 13, 14, 15, 16};
    List<int[]> w = HeldOutText.windows(seq, 3);
    assertEquals(4, w.size());
    assertArrayEquals(new int[] {1, 10, 11}, w.get(0));
    assertArrayEquals(new int[] {11, 12, 13}, w.get(1));
    assertArrayEquals(new int[] {13, 14, 15}, w.get(2));
    assertArrayEquals(new int[] {15, 16}, w.get(3));
    int scored = w.stream().mapToInt(x -> x.length - 1).sum();
    assertEquals(seq.length - 1, scored);
    // exactly full windows: no trailing one-token window (it would score nothing)
    assertEquals(2, HeldOutText.windows(new int[] {1, 2, 3, 4, 5}, 3).size());
  }

  @Test
  void rejectsWhatCannotBeScored() {
    assertThrows(IllegalArgumentException.class, () -> HeldOutText.windows(new int[] {1}, 8));
    assertThrows(IllegalArgumentException.class, () -> HeldOutText.windows(new int[] {1, 2}, 1));
  }
}
