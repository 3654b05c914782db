package io.aligntune.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * llama2.c's BPE merge loop: while some adjacent pair of tokens concatenates to a piece of the vocabulary,
 * merge the pair whose merged piece has the highest score, the leftmost one on ties.
 *
 * <p>run.c rescans the whole sequence after every merge (quadratic). This does the same merges in
 * O(n log n): tokens form a linked list, every mergeable adjacent pair waits in a priority queue ordered
 * by (score descending, left position ascending), and entries made stale by an earlier merge are dropped
 * when they surface. Positions keep their original order along the list, so "leftmost" is the same as in
 * run.c's scan. Immutable and thread-safe.
 */
final class GreedyPairMerger {

  private static final float MIN_MERGE_SCORE = -1e10f;

  /** Every piece as an ISO-8859-1 string: one char per byte, so byte sequences concatenate and hash exactly. */
  private final String[] pieceKeys;

  private final Map<String, Integer> idByPiece;
  private final float[] scores;

  GreedyPairMerger(Llama2cVocab vocab) {
    int size = vocab.size();
    pieceKeys = new String[size];
    scores = new float[size];
    idByPiece = new HashMap<>(size * 2);
    for (int id = 0; id < size; id++) {
      pieceKeys[id] = new String(vocab.piece(id), StandardCharsets.ISO_8859_1);
      scores[id] = vocab.score(id);
      // run.c binary-searches a sorted copy, so which of two equal pieces wins is unspecified there;
      // keeping the lower id is deterministic.
      idByPiece.putIfAbsent(pieceKeys[id], id);
    }
  }

  /** Id of the piece whose bytes are exactly {@code bytes}, or -1 when the vocabulary has none. */
  int lookup(byte[] bytes, int from, int to) {
    Integer id = idByPiece.get(new String(bytes, from, to - from, StandardCharsets.ISO_8859_1));
    return id == null ? -1 : id;
  }

  /** Applies all merges to {@code tokens} (left untouched) and returns the merged ids. */
  int[] merge(int[] tokens) {
    int n = tokens.length;
    if (n < 2) {
      return tokens.clone();
    }
    int[] token = tokens.clone();
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    PriorityQueue<Candidate> queue = new PriorityQueue<>(n);
    for (int i = 0; i + 1 < n; i++) {
      offer(queue, token, i, i + 1);
    }
    while (!queue.isEmpty()) {
      Candidate c = queue.poll();
      if (!c.isCurrent(token, next)) {
        continue;
      }
      token[c.left] = c.merged;
      token[c.right] = -1; // removed from the list
      int after = next[c.right];
      next[c.left] = after;
      if (after != -1) {
        prev[after] = c.left;
        offer(queue, token, c.left, after);
      }
      if (prev[c.left] != -1) {
        offer(queue, token, prev[c.left], c.left);
      }
    }
    int[] out = new int[n];
    int count = 0;
    for (int i = 0; i != -1; i = next[i]) {
      out[count++] = token[i];
    }
    return Arrays.copyOf(out, count);
  }

  private void offer(PriorityQueue<Candidate> queue, int[] token, int left, int right) {
    Integer merged = idByPiece.get(pieceKeys[token[left]].concat(pieceKeys[token[right]]));
    // run.c only merges pairs scoring above its initial best of -1e10 (which also rules out NaN).
    if (merged != null && scores[merged] > MIN_MERGE_SCORE) {
      queue.add(new Candidate(left, right, token[left], token[right], merged, scores[merged]));
    }
  }

  /**
   * A mergeable pair as it was when queued. It is acted on only while both positions still hold the tokens
   * it was made from and are still neighbours: then it describes a pair that really exists now, so stale
   * entries are skipped and a duplicate can do no harm (the first one merges, which removes its right side).
   */
  private record Candidate(int left, int right, int leftToken, int rightToken, int merged, float score)
      implements Comparable<Candidate> {

    boolean isCurrent(int[] token, int[] next) {
      return token[left] == leftToken && token[right] == rightToken && next[left] == right;
    }

    @Override
    public int compareTo(Candidate other) {
      int byScore = Float.compare(other.score, score);
      return byScore != 0 ? byScore : Integer.compare(left, other.left);
    }
  }
}
