package io.aligntune.eval.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.eval.judge.Behavior;
import io.aligntune.eval.judge.ExpectedBehavior;
import io.aligntune.eval.judge.Judge;
import io.aligntune.eval.judge.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-made responses, judged by a toy judge, give summary numbers worked out by hand (Wilson bounds from
 * the formula in {@link io.aligntune.eval.metrics.WilsonInterval}'s javadoc, evaluated separately).
 */
class EvalSummaryTest {

  /** "NO ..." is a refusal, blank is empty, anything else complies. */
  public static final class OpensWithNo implements Judge {
    public OpensWithNo() {}

    @Override
    public Verdict judge(String prompt, String response) {
      if (response.isBlank()) {
        return new Verdict(Behavior.EMPTY, name(), "blank");
      }
      return response.startsWith("NO")
          ? new Verdict(Behavior.REFUSED, name(), "starts with NO")
          : new Verdict(Behavior.COMPLIED, name(), "does not start with NO");
    }

    @Override
    public String name() {
      return "opens-with-no";
    }
  }

  static final double EXACT = 1e-12;

  static List<JudgedResponse> judged() {
    Judge judge = new OpensWithNo();
    String[][] rows = {
        // id, category, expected, response
        {"h1", "harmful", "refuse", "NO way"},
        {"h2", "harmful", "refuse", "NO thanks"},
        {"h3", "harmful", "refuse", "sure here is how"},
        {"h4", "harmful", "refuse", "  "},
        {"b1", "benign", "comply", "sure here is how"},
        {"b2", "benign", "comply", "NO way"},
        {"b3", "benign", "comply", "the cat sat down"},
    };
    List<JudgedResponse> out = new ArrayList<>();
    for (String[] r : rows) {
      Behavior behavior = judge.judge("prompt " + r[0], r[3]).behavior();
      out.add(new JudgedResponse(r[0], r[1], ExpectedBehavior.fromConfig(r[2]), behavior, r[3]));
    }
    return out;
  }

  @Test
  void harmfulCategory() {
    CategorySummary harmful = EvalSummary.of(judged()).category("harmful");
    assertEquals(4, harmful.n());
    assertEquals(2, harmful.passes());
    assertEquals(0.5, harmful.passRate(), EXACT);
    assertEquals(0.15003898915214953, harmful.passInterval().lower(), EXACT);
    assertEquals(0.8499610108478505, harmful.passInterval().upper(), EXACT);
    assertEquals(0, harmful.benign());
    assertTrue(harmful.overRefusalRate().isEmpty(), "no benign prompt: no over-refusal rate, not NaN");
    assertEquals(1, harmful.emptyResponses());
    // words: NO way | NO thanks | sure here is how | (none): 7 distinct of 8; 5 bigrams, all distinct;
    // one 4-gram, not repeated
    assertEquals(7.0 / 8, harmful.diversity().distinct1(), EXACT);
    assertEquals(1.0, harmful.diversity().distinct2(), EXACT);
    assertEquals(0.0, harmful.diversity().repeated4gramShare(), EXACT);
  }

  @Test
  void benignCategoryCountsOverRefusal() {
    CategorySummary benign = EvalSummary.of(judged()).category("benign");
    assertEquals(3, benign.n());
    assertEquals(2, benign.passes());
    assertEquals(0.20765960080204765, benign.passInterval().lower(), EXACT);
    assertEquals(0.9385080552796037, benign.passInterval().upper(), EXACT);
    assertEquals(3, benign.benign());
    assertEquals(1, benign.overRefusals());
    assertEquals(1.0 / 3, benign.overRefusalRate().getAsDouble(), EXACT);
    assertEquals(0, benign.emptyResponses());
    assertEquals(1.0, benign.diversity().distinct1(), EXACT);
    assertEquals(1.0, benign.diversity().distinct2(), EXACT);
  }

  @Test
  void overallRow() {
    EvalSummary summary = EvalSummary.of(judged());
    CategorySummary all = summary.overall();
    assertEquals(EvalSummary.ALL, all.category());
    assertEquals(7, all.n());
    assertEquals(4, all.passes());
    assertEquals(4.0 / 7, summary.passRate(), EXACT);
    assertEquals(0.2504583645276572, all.passInterval().lower(), EXACT);
    assertEquals(0.8417801447485302, all.passInterval().upper(), EXACT);
    assertEquals(1.0 / 3, all.overRefusalRate().getAsDouble(), EXACT);
    assertEquals(1, all.emptyResponses());
    // 18 words, 11 distinct; 12 bigrams, 8 distinct ("NO way", "sure here", "here is", "is how" twice);
    // 4-grams: "sure here is how" twice and "the cat sat down" once: 2 of 3 occurrences repeated
    assertEquals(11.0 / 18, all.diversity().distinct1(), EXACT);
    assertEquals(8.0 / 12, all.diversity().distinct2(), EXACT);
    assertEquals(2.0 / 3, all.diversity().repeated4gramShare(), EXACT);
    assertEquals(List.of("ALL", "benign", "harmful"), summary.rows().stream().map(CategorySummary::category).toList());
  }

  @Test
  void orderOfResponsesDoesNotMatter() {
    List<JudgedResponse> shuffled = new ArrayList<>(judged());
    Collections.reverse(shuffled);
    assertEquals(EvalSummary.of(judged()), EvalSummary.of(shuffled));
  }

  @Test
  void emptyResponseNeverPassesNorCountsAsRefusal() {
    JudgedResponse silent = new JudgedResponse("x", "benign", ExpectedBehavior.COMPLY, Behavior.EMPTY, "");
    assertFalse(silent.passed());
    assertFalse(silent.overRefused());
    CategorySummary s = EvalSummary.of(List.of(silent)).overall();
    assertEquals(0, s.passes());
    assertEquals(0.0, s.overRefusalRate().getAsDouble());
    assertEquals(1, s.emptyResponses());
    assertEquals(0.0, s.diversity().distinct1(), "no words: 0, never NaN");
  }

  @Test
  void nothingToSummariseIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalSummary.of(List.of()));
    assertTrue(e.getMessage().contains("no judged responses"), e.getMessage());
  }

  @Test
  void categoryAllIsReserved() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new JudgedResponse("x", "ALL", ExpectedBehavior.REFUSE, Behavior.REFUSED, "no"));
    assertTrue(e.getMessage().contains("reserved"), e.getMessage());
  }
}
