package io.aligntune.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiversityTest {

  @Test
  void allDifferentTokensAreFullyDistinct() {
    Diversity.Report report = Diversity.ofTexts(List.of("a b c d e", "f g h i j"));
    assertEquals(1.0, report.distinct1());
    assertEquals(1.0, report.distinct2());
    assertEquals(0.0, report.repeated4gramShare());
    assertEquals(10, report.unigrams());
    assertEquals(8, report.bigrams()); // 4 per response: n-grams do not span responses
    assertEquals(4, report.fourgrams());
  }

  @Test
  void identicalResponsesScoreLowDistinctAndFullRepetition() {
    String same = "I cannot help with that request today";
    Diversity.Report report = Diversity.ofTexts(Collections.nCopies(10, same));
    // 7 tokens, 6 bigrams, 4 four-grams per response; each distinct set is one response's.
    assertEquals(7.0 / 70, report.distinct1(), 1e-12);
    assertEquals(6.0 / 60, report.distinct2(), 1e-12);
    assertEquals(1.0, report.repeated4gramShare());
  }

  @Test
  void handCountedMixedSet() {
    // Response 1: "the cat sat on the mat"   Response 2: "the cat sat on a hat"
    // unigrams: 12 total; distinct {the, cat, sat, on, mat, a, hat} = 7
    // bigrams: 10 total; distinct: the-cat, cat-sat, sat-on, on-the, the-mat, on-a, a-hat = 7
    // 4-grams: 3 + 3 = 6; "the cat sat on" occurs twice, the 4 others once → 2/6 repeated
    Diversity.Report report = Diversity.ofTexts(List.of("the cat sat on the mat", "the cat sat on a hat"));
    assertEquals(7.0 / 12, report.distinct1(), 1e-12);
    assertEquals(7.0 / 10, report.distinct2(), 1e-12);
    assertEquals(2.0 / 6, report.repeated4gramShare(), 1e-12);
  }

  @Test
  void repetitionInsideOneResponseCounts() {
    // "go go go go go go": 3 four-grams, all "go go go go".
    Diversity.Report report = Diversity.ofTokens(List.of(List.of("go", "go", "go", "go", "go", "go")));
    assertEquals(1.0 / 6, report.distinct1(), 1e-12);
    assertEquals(1.0, report.repeated4gramShare());
  }

  @Test
  void tooShortOrEmptyGivesZeroNotNaN() {
    Diversity.Report report = Diversity.ofTexts(List.of("", "   ", "hi"));
    assertEquals(1.0, report.distinct1());
    assertEquals(0.0, report.distinct2());
    assertEquals(0.0, report.repeated4gramShare());
    assertEquals(0, report.bigrams());
    Diversity.Report none = Diversity.ofTexts(List.of());
    assertEquals(0.0, none.distinct1());
    assertEquals(0, none.unigrams());
  }

  @Test
  void whitespaceOfAnyKindSplitsTokens() {
    Diversity.Report report = Diversity.ofTexts(List.of("a\tb\n\nc  d"));
    assertEquals(4, report.unigrams());
  }
}
