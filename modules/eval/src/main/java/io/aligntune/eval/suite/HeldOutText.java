package io.aligntune.eval.suite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Held-out general text for the forgetting check (perplexity): how a plain text file becomes documents, and
 * how a document's tokens become model-sized windows.
 */
public final class HeldOutText {

  private HeldOutText() {}

  /**
   * The documents of a text: runs of lines separated by one or more blank lines (empty or whitespace only).
   * Lines of a document are joined with {@code \n}; {@code \r\n} line ends count as {@code \n}. A document
   * keeps its text exactly otherwise (no trimming inside a line).
   */
  public static List<String> documents(String text) {
    List<String> documents = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\\R", -1)) {
      if (line.isBlank()) {
        flush(current, documents);
      } else {
        if (current.length() > 0) {
          current.append('\n');
        }
        current.append(line);
      }
    }
    flush(current, documents);
    return documents;
  }

  private static void flush(StringBuilder current, List<String> documents) {
    if (current.length() > 0) {
      documents.add(current.toString());
      current.setLength(0);
    }
  }

  /**
   * Splits a token sequence (BOS first) into windows of at most {@code contextLength} tokens such that every
   * token after the first is scored exactly once when each window is scored from its position 1: window k
   * starts at k·(contextLength − 1), so its first token is the previous window's last one, there only as
   * context. The number of scored tokens is therefore always {@code sequence.length − 1}, however the
   * document is cut.
   *
   * <p>Why not a sliding window with a long overlap (each token seeing a full context): it costs a forward
   * pass per stride; this scores a document in ⌈(n − 1)/(contextLength − 1)⌉ passes. Tokens early in a
   * window see less context than they would in one long pass, so perplexity of documents longer than the
   * context is a little higher than a model's best; the number is compared between models on the same
   * text and context, where that bias cancels.
   *
   * @param sequence at least 2 tokens (one to condition on, one to score)
   * @param contextLength the model's context, at least 2
   */
  public static List<int[]> windows(int[] sequence, int contextLength) {
    if (contextLength < 2) {
      throw new IllegalArgumentException("contextLength = " + contextLength + " is invalid; it must be >= 2");
    }
    if (sequence.length < 2) {
      throw new IllegalArgumentException("a sequence of " + sequence.length
          + " token(s) has nothing to score; it needs at least 2 (BOS and one token)");
    }
    List<int[]> windows = new ArrayList<>();
    int stride = contextLength - 1;
    for (int start = 0; start < sequence.length - 1; start += stride) {
      windows.add(Arrays.copyOfRange(sequence, start, Math.min(sequence.length, start + contextLength)));
    }
    return windows;
  }
}
