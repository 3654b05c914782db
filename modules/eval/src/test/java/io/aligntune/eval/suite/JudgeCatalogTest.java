package io.aligntune.eval.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.eval.judge.Judge;
import io.aligntune.eval.judge.RefusalDetector;
import org.junit.jupiter.api.Test;

class JudgeCatalogTest {

  @Test
  void defaultIsTheRefusalDetector() {
    Judge judge = JudgeCatalog.named(JudgeCatalog.DEFAULT);
    assertInstanceOf(RefusalDetector.class, judge);
    assertEquals(JudgeCatalog.DEFAULT, judge.name(), "the catalog name is the name recorded with verdicts");
  }

  @Test
  void aClassNamePlugsInAJudge() {
    Judge judge = JudgeCatalog.named(EvalSummaryTest.OpensWithNo.class.getName());
    assertEquals("opens-with-no", judge.name());
  }

  @Test
  void unknownNamesSayWhatIsAccepted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JudgeCatalog.named("gpt-judge"));
    assertTrue(e.getMessage().contains("gpt-judge") && e.getMessage().contains(JudgeCatalog.DEFAULT), e.getMessage());
    IllegalArgumentException notAJudge =
        assertThrows(IllegalArgumentException.class, () -> JudgeCatalog.named("java.lang.String"));
    assertTrue(notAJudge.getMessage().contains("does not implement"), notAJudge.getMessage());
  }
}
