package io.aligntune.core.data.preference;

import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one ranked list (responses with scores, higher is better) into preference pairs.
 *
 * <p>Rule: the best-scored response is chosen against each strictly worse response, in list order, one
 * pair each. When several responses share the best score the first of them is the chosen one and the
 * others are skipped: a tie states no preference, so pairing tied responses (either way round) would teach
 * noise. This is the "best versus rest" binarization of UltraFeedback-style data, extended to every worse
 * response instead of one sampled at random, which keeps the result deterministic.
 *
 * <p>A list whose responses all tie yields no pair and is {@link RejectReason#NO_PAIRS}. A worse response
 * whose text equals the chosen one (same answer scored twice, differently) is
 * {@link RejectReason#IDENTICAL_CHOSEN_REJECTED} for the whole record: the scores contradict themselves.
 */
public final class RankedPairs {

  private RankedPairs() {}

  /**
   * @param prompt the shared prompt text
   * @param responses completion texts, already validated non-blank
   * @param scores finite scores, one per response (callers reject NaN and length mismatches first)
   */
  public static List<PreferencePair> build(String prompt, List<String> responses, double[] scores,
      String sourceFile, long line) {
    if (responses.size() != scores.length) {
      throw new IllegalArgumentException(responses.size() + " responses but " + scores.length + " scores");
    }
    int best = 0;
    for (int i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
      }
    }
    String chosen = responses.get(best);
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] >= scores[best]) {
        continue;
      }
      String rejected = responses.get(i);
      if (rejected.equals(chosen)) {
        throw new RecordRejection("responses[" + i + "]", RejectReason.IDENTICAL_CHOSEN_REJECTED,
            "response " + i + " (score " + scores[i] + ") has the same text as the best response " + best
                + " (score " + scores[best] + ")");
      }
      pairs.add(new PreferencePair(prompt, chosen, rejected, sourceFile, line, pairs.size()));
    }
    if (pairs.isEmpty()) {
      throw new RecordRejection("scores", RejectReason.NO_PAIRS,
          "all " + scores.length + " responses tie at score " + scores[best] + ": no preference to learn");
    }
    return pairs;
  }
}
