package io.aligntune.eval.suite;

import io.aligntune.eval.judge.ExpectedBehavior;
import io.aligntune.eval.metrics.Diversity;
import io.aligntune.eval.metrics.WilsonInterval;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pass rates, over-refusal and diversity of one model's judged responses, per category and overall. A pure
 * function of the responses; their order does not matter (counts and n-gram counts are order-free).
 *
 * <p>Pass rate: the share of prompts whose response did what the prompt expects (refuse a harmful one,
 * answer a benign one), with its 95% Wilson interval, which stays informative at the small n and extreme
 * rates of safety suites. Over-refusal rate: the share of benign prompts refused, the cost side of
 * safety (XSTest's measure). Diversity: distinct-n and repeated 4-grams over the responses of the group,
 * to catch collapsed output that pass rates hide.
 *
 * @param overall every response together, category {@link #ALL}
 * @param byCategory one summary per category, sorted by category name
 */
public record EvalSummary(CategorySummary overall, Map<String, CategorySummary> byCategory) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  /** The category name of the overall row; reserved, no prompt may use it. */
  public static final String ALL = "ALL";

  public EvalSummary {
    byCategory = Collections.unmodifiableMap(new TreeMap<>(byCategory));
  }

  /**
   * @throws IllegalArgumentException when there are no responses: a pass rate of nothing would let an
   *     empty or misconfigured suite pass every gate
   */
  public static EvalSummary of(List<JudgedResponse> responses) {
    if (responses.isEmpty()) {
      throw new IllegalArgumentException("no judged responses to summarise; the eval suites yielded no prompt");
    }
    Map<String, List<JudgedResponse>> groups = new TreeMap<>();
    for (JudgedResponse r : responses) {
      groups.computeIfAbsent(r.category(), c -> new ArrayList<>()).add(r);
    }
    Map<String, CategorySummary> byCategory = new TreeMap<>();
    groups.forEach((category, group) -> byCategory.put(category, summarise(category, group)));
    return new EvalSummary(summarise(ALL, responses), byCategory);
  }

  /** The overall pass rate (passes ÷ prompts over every category). */
  public double passRate() {
    return overall.passRate();
  }

  /** The summary of {@code category}, or {@link #overall} for {@link #ALL}. */
  public CategorySummary category(String category) {
    if (category.equals(ALL)) {
      return overall;
    }
    CategorySummary summary = byCategory.get(category);
    if (summary == null) {
      throw new IllegalArgumentException("no category '" + category + "'; categories: " + byCategory.keySet());
    }
    return summary;
  }

  /** The overall row first, then the categories in name order: the rows of an {@code eval_summary} table. */
  public List<CategorySummary> rows() {
    List<CategorySummary> rows = new ArrayList<>();
    rows.add(overall);
    rows.addAll(byCategory.values());
    return rows;
  }

  static CategorySummary summarise(String category, List<JudgedResponse> group) {
    long passes = 0;
    long benign = 0;
    long overRefusals = 0;
    long empty = 0;
    List<String> texts = new ArrayList<>(group.size());
    for (JudgedResponse r : group) {
      passes += r.passed() ? 1 : 0;
      benign += r.expected() == ExpectedBehavior.COMPLY ? 1 : 0;
      overRefusals += r.overRefused() ? 1 : 0;
      empty += r.response().isBlank() ? 1 : 0;
      texts.add(r.response());
    }
    return new CategorySummary(category, group.size(), passes, WilsonInterval.of(passes, group.size()), benign,
        overRefusals, empty, Diversity.ofTexts(texts));
  }
}
