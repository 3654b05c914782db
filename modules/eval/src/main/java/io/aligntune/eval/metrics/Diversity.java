package io.aligntune.eval.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lexical diversity of a set of generated responses, to catch the repetitive, collapsed output that
 * preference training can produce while pass rates look fine.
 *
 * <ul>
 *   <li><b>distinct-n</b> (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural
 *       Conversation Models"): distinct n-grams ÷ total n-grams, counted over the whole set. 1 means no
 *       n-gram occurs twice anywhere; a model that gives every prompt the same answer scores about
 *       1/(number of responses).
 *   <li><b>repeated 4-gram share</b>: the fraction of 4-gram occurrences whose 4-gram occurs more than once
 *       in the set (in the same response or another). Every occurrence of a repeated 4-gram counts, the
 *       first included, so two identical responses score 1.0 and a set with no shared 4-gram scores 0.
 *       This reads as "how much of the text is boilerplate", which 1 − distinct-4 does not (that counts
 *       only the extra copies).
 * </ul>
 *
 * N-grams do not span two responses. Tokens are compared exactly (case and punctuation included). A set
 * too short to hold any n-gram of some order scores 0 for it (no evidence of diversity), never NaN; the
 * counts in {@link Report} tell the two situations apart.
 */
public final class Diversity {

  private Diversity() {}

  /**
   * The metrics of a set of responses.
   *
   * @param distinct1 distinct unigrams ÷ unigrams
   * @param distinct2 distinct bigrams ÷ bigrams
   * @param repeated4gramShare 4-gram occurrences whose 4-gram occurs more than once ÷ 4-gram occurrences
   * @param unigrams total unigrams (tokens)
   * @param bigrams total bigrams
   * @param fourgrams total 4-grams
   */
  public record Report(
      double distinct1,
      double distinct2,
      double repeated4gramShare,
      long unigrams,
      long bigrams,
      long fourgrams) {}

  /** Metrics over responses split on whitespace, a tokenizer-independent measure. */
  public static Report ofTexts(List<String> responses) {
    List<List<String>> tokenized = new ArrayList<>(responses.size());
    for (String response : responses) {
      String trimmed = response == null ? "" : response.strip();
      tokenized.add(trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+")));
    }
    return ofTokens(tokenized);
  }

  /** Metrics over responses given as token lists (words or tokenizer pieces). */
  public static Report ofTokens(List<? extends List<String>> responses) {
    Map<List<String>, Integer> unigrams = countNgrams(responses, 1);
    Map<List<String>, Integer> bigrams = countNgrams(responses, 2);
    Map<List<String>, Integer> fourgrams = countNgrams(responses, 4);
    long unigramTotal = total(unigrams);
    long bigramTotal = total(bigrams);
    long fourgramTotal = total(fourgrams);
    long repeatedOccurrences = 0;
    for (int count : fourgrams.values()) {
      if (count > 1) {
        repeatedOccurrences += count;
      }
    }
    return new Report(
        ratio(unigrams.size(), unigramTotal),
        ratio(bigrams.size(), bigramTotal),
        ratio(repeatedOccurrences, fourgramTotal),
        unigramTotal,
        bigramTotal,
        fourgramTotal);
  }

  private static Map<List<String>, Integer> countNgrams(List<? extends List<String>> responses, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (List<String> tokens : responses) {
      for (int start = 0; start + n <= tokens.size(); start++) {
        counts.merge(List.copyOf(tokens.subList(start, start + n)), 1, Integer::sum);
      }
    }
    return counts;
  }

  private static long total(Map<List<String>, Integer> counts) {
    long sum = 0;
    for (int count : counts.values()) {
      sum += count;
    }
    return sum;
  }

  private static double ratio(long part, long whole) {
    return whole == 0 ? 0.0 : (double) part / whole;
  }
}
