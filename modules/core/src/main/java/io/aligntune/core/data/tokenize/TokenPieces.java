package io.aligntune.core.data.tokenize;

import io.aligntune.core.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The token-level steps shared by pair and SFT tokenization: encoding segments separately and cutting the
 * tail of a sequence to a budget. Segments are encoded one by one and their ids joined, never the joined
 * text: tokenizing {@code prompt + completion} as one string can merge tokens across the boundary, and the
 * prompt ids would then differ between chosen and rejected, and from the ids at generation time.
 */
final class TokenPieces {

  /**
   * Token ids of one segment; supervised pieces end with EOS (the EOS is part of what is trained on).
   */
  record Piece(int[] ids, boolean supervised) {}

  private TokenPieces() {}

  /**
   * The ids of the text that starts a sequence. A leading BOS is dropped: chat templates such as Llama 3's
   * render the BOS token as text ({@code <|begin_of_text|>}), and the sequence must hold exactly one BOS,
   * the one placed at position 0 by the caller.
   */
  static int[] encodeFirst(Tokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text);
    if (ids.length > 0 && ids[0] == tokenizer.bosId()) {
      return Arrays.copyOfRange(ids, 1, ids.length);
    }
    return ids;
  }

  /**
   * {@code ids} followed by EOS, unless they already end with it (a template that renders the EOS token as
   * text at the end of a turn); a doubled EOS would teach the model to emit EOS twice.
   */
  static int[] withEos(int[] ids, int eosId) {
    if (ids.length > 0 && ids[ids.length - 1] == eosId) {
      return ids;
    }
    int[] closed = Arrays.copyOf(ids, ids.length + 1);
    closed[ids.length] = eosId;
    return closed;
  }

  /** The last {@code count} ids. */
  static int[] keepEnd(int[] ids, int count) {
    return count >= ids.length ? ids : Arrays.copyOfRange(ids, ids.length - count, ids.length);
  }

  /**
   * Keeps the start of {@code tail} within {@code budget} tokens. A context piece that does not fit is cut
   * to what fits. A supervised piece that does not fit keeps its first tokens and, with
   * {@code eosWhenCut}, gives its last kept position to EOS; if that leaves no content token, the piece is
   * dropped whole rather than kept as a bare EOS after unrelated context. Pieces after a cut are dropped.
   */
  static List<Piece> cutTail(List<Piece> tail, int budget, boolean eosWhenCut, int eosId) {
    List<Piece> kept = new ArrayList<>(tail.size());
    int left = budget;
    for (Piece piece : tail) {
      if (piece.ids.length <= left) {
        kept.add(piece);
        left -= piece.ids.length;
        continue;
      }
      if (left > 0) {
        if (!piece.supervised) {
          kept.add(new Piece(Arrays.copyOf(piece.ids, left), false));
        } else if (!eosWhenCut) {
          kept.add(new Piece(Arrays.copyOf(piece.ids, left), true));
        } else if (left >= 2) {
          int[] cut = Arrays.copyOf(piece.ids, left);
          cut[left - 1] = eosId;
          kept.add(new Piece(cut, true));
        }
      }
      break;
    }
    return kept;
  }

  /** Tokens of a supervised piece other than its closing EOS. */
  static int contentLength(Piece piece, int eosId) {
    int n = piece.ids.length;
    return n > 0 && piece.ids[n - 1] == eosId ? n - 1 : n;
  }

  static int totalLength(List<Piece> pieces) {
    int total = 0;
    for (Piece piece : pieces) {
      total += piece.ids.length;
    }
    return total;
  }
}
