package io.aligntune.core.data.tokenize;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.sft.SftExample;
import io.aligntune.core.data.tokenize.TokenPieces.Piece;
import io.aligntune.core.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Tokenizes SFT examples into {@link TokenizedSequence}s: {@code [BOS]}, then each segment's ids (the first
 * segment with {@link Tokenizer#encode}, later ones with {@link Tokenizer#encodeContinuation}), with an EOS
 * after each supervised segment. Supervised segments and their EOS are trained on; BOS and context are not.
 *
 * <p>Truncation follows the {@link TruncationPolicy}, with "prompt" meaning the context before the first
 * supervised segment and "completion" everything from there on (later context turns included): the
 * prompt keeps its end, the rest keeps its start. If no token of the first supervised segment is left, the
 * example is {@code no_completion_tokens}; the reject's field is {@code segments[i]}, that segment's index.
 *
 * <p>Not serializable: the tokenizer lives on each executor; build one per partition.
 */
public final class SftExampleTokenizer {

  private final Tokenizer tokenizer;
  private final TruncationPolicy policy;

  public SftExampleTokenizer(Tokenizer tokenizer, TruncationPolicy policy) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public Parsed<TokenizedSequence> tokenize(SftExample example) {
    int eos = tokenizer.eosId();
    List<SftExample.Segment> segments = example.segments();
    List<Piece> prompt = new ArrayList<>();
    List<Piece> tail = new ArrayList<>();
    int firstSupervised = -1;
    for (int i = 0; i < segments.size(); i++) {
      SftExample.Segment segment = segments.get(i);
      int[] ids = i == 0 ? TokenPieces.encodeFirst(tokenizer, segment.text()) : tokenizer.encodeContinuation(segment.text());
      if (segment.supervised()) {
        if (ids.length == 0) {
          return reject(example, "segments[" + i + "]", "supervised segment " + i + " encodes to no tokens");
        }
        ids = TokenPieces.withEos(ids, eos);
        if (firstSupervised < 0) {
          firstSupervised = i;
        }
      }
      if (ids.length > 0) {
        (firstSupervised < 0 ? prompt : tail).add(new Piece(ids, segment.supervised()));
      }
    }
    int[] promptIds = concat(prompt);
    int keptPrompt = policy.promptTokensToKeep(promptIds.length, TokenPieces.totalLength(tail));
    int budget = policy.tailBudget(keptPrompt);
    List<Piece> kept = TokenPieces.cutTail(tail, budget, policy.eosWhenCut(), eos);
    if (kept.isEmpty() || TokenPieces.contentLength(kept.get(0), eos) == 0) {
      return reject(example, "segments[" + firstSupervised + "]", "context of " + promptIds.length
          + " tokens cut to " + keptPrompt + " (max_prompt_length " + policy.maxPromptLength() + ") leaves " + budget
          + " of max_length " + policy.maxLength() + " tokens: no room for a supervised token"
          + (policy.eosWhenCut() ? " and EOS" : ""));
    }
    int length = 1 + keptPrompt + TokenPieces.totalLength(kept);
    int[] ids = new int[length];
    boolean[] supervised = new boolean[length];
    ids[0] = tokenizer.bosId();
    System.arraycopy(promptIds, promptIds.length - keptPrompt, ids, 1, keptPrompt);
    int at = 1 + keptPrompt;
    for (Piece piece : kept) {
      System.arraycopy(piece.ids(), 0, ids, at, piece.ids().length);
      if (piece.supervised()) {
        Arrays.fill(supervised, at, at + piece.ids().length, true);
      }
      at += piece.ids().length;
    }
    return Parsed.accepted(new TokenizedSequence(ids, supervised));
  }

  private static int[] concat(List<Piece> pieces) {
    int[] joined = new int[TokenPieces.totalLength(pieces)];
    int at = 0;
    for (Piece piece : pieces) {
      System.arraycopy(piece.ids(), 0, joined, at, piece.ids().length);
      at += piece.ids().length;
    }
    return joined;
  }

  private static Parsed<TokenizedSequence> reject(SftExample example, String field, String detail) {
    return Parsed.rejected(
        new Reject(example.sourceFile(), example.line(), field, RejectReason.NO_COMPLETION_TOKENS, detail));
  }
}
