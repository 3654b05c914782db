package io.aligntune.core.data.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankedPairsTest {

  @Test
  void bestAgainstEachStrictlyWorseInListOrder() {
    List<PreferencePair> pairs = RankedPairs.build("Q", List.of("c", "a", "b", "d"), new double[] {1, 4, 2, 4}, "f", 7);
    // "a" (first of the tied best) is chosen; "d" ties with it and is skipped.
    assertEquals(List.of(
        new PreferencePair("Q", "a", "c", "f", 7, 0),
        new PreferencePair("Q", "a", "b", "f", 7, 1)), pairs);
    assertEquals("f:7", pairs.get(0).id());
    assertEquals("f:7#1", pairs.get(1).id());
  }

  @Test
  void allTiedIsNoPairs() {
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> RankedPairs.build("Q", List.of("a", "b", "c"), new double[] {0.5, 0.5, 0.5}, "f", 1));
    assertEquals(RejectReason.NO_PAIRS, rejection.reason());
    assertEquals("scores", rejection.field());
  }

  @Test
  void sameTextScoredWorseContradictsItself() {
    RecordRejection rejection = assertThrows(RecordRejection.class,
        () -> RankedPairs.build("Q", List.of("a", "a"), new double[] {2, 1}, "f", 1));
    assertEquals(RejectReason.IDENTICAL_CHOSEN_REJECTED, rejection.reason());
    assertEquals("responses[1]", rejection.field());
  }
}
