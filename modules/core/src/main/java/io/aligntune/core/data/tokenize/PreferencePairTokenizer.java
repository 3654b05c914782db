package io.aligntune.core.data.tokenize;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.preference.PreferencePair;
import io.aligntune.core.data.tokenize.TokenPieces.Piece;
import io.aligntune.core.text.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Tokenizes preference pairs for DPO. Each trained sequence is {@code [BOS] prompt completion [EOS]}: the
 * prompt encoded with {@link Tokenizer#encode}, each completion with {@link Tokenizer#encodeContinuation}
 * (no dummy-prefix space in the middle of a sequence), ids joined, then cut by the
 * {@link TruncationPolicy}.
 *
 * <p>Rejects (the pair's source and line are kept): a completion that encodes to nothing or has nothing
 * left after truncation is {@code no_completion_tokens}; different texts with identical ids (a tokenizer
 * that normalizes them the same) are {@code identical_chosen_rejected}; ids that only become identical
 * once cut (two answers that differ after the budget) are {@code identical_after_truncation}, counted
 * apart because the fix differs: a longer {@code max_length}, not cleaner data.
 *
 * <p>Not serializable: the tokenizer lives on each executor; build one per partition.
 */
public final class PreferencePairTokenizer {

  private final Tokenizer tokenizer;
  private final TruncationPolicy policy;

  public PreferencePairTokenizer(Tokenizer tokenizer, TruncationPolicy policy) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public Parsed<TokenizedPair> tokenize(PreferencePair pair) {
    int eos = tokenizer.eosId();
    int[] prompt = TokenPieces.encodeFirst(tokenizer, pair.prompt());
    int[] chosen = tokenizer.encodeContinuation(pair.chosen());
    int[] rejected = tokenizer.encodeContinuation(pair.rejected());
    if (chosen.length == 0) {
      return reject(pair, "chosen", RejectReason.NO_COMPLETION_TOKENS, "the chosen completion encodes to no tokens");
    }
    if (rejected.length == 0) {
      return reject(pair, "rejected", RejectReason.NO_COMPLETION_TOKENS, "the rejected completion encodes to no tokens");
    }
    if (Arrays.equals(chosen, rejected)) {
      return reject(pair, "rejected", RejectReason.IDENTICAL_CHOSEN_REJECTED,
          "chosen and rejected differ as text but encode to the same " + chosen.length + " token ids");
    }
    Piece chosenPiece = new Piece(TokenPieces.withEos(chosen, eos), true);
    Piece rejectedPiece = new Piece(TokenPieces.withEos(rejected, eos), true);
    int longest = Math.max(chosenPiece.ids().length, rejectedPiece.ids().length);
    int keptPrompt = policy.promptTokensToKeep(prompt.length, longest);
    int budget = policy.tailBudget(keptPrompt);
    List<Piece> chosenCut = TokenPieces.cutTail(List.of(chosenPiece), budget, policy.eosWhenCut(), eos);
    List<Piece> rejectedCut = TokenPieces.cutTail(List.of(rejectedPiece), budget, policy.eosWhenCut(), eos);
    if (chosenCut.isEmpty() || TokenPieces.contentLength(chosenCut.get(0), eos) == 0) {
      return reject(pair, "chosen", RejectReason.NO_COMPLETION_TOKENS, noRoom(prompt.length, keptPrompt, budget));
    }
    if (rejectedCut.isEmpty() || TokenPieces.contentLength(rejectedCut.get(0), eos) == 0) {
      return reject(pair, "rejected", RejectReason.NO_COMPLETION_TOKENS, noRoom(prompt.length, keptPrompt, budget));
    }
    int[] chosenIds = chosenCut.get(0).ids();
    int[] rejectedIds = rejectedCut.get(0).ids();
    if (Arrays.equals(chosenIds, rejectedIds)) {
      return reject(pair, "rejected", RejectReason.IDENTICAL_AFTER_TRUNCATION,
          "chosen (" + chosen.length + " tokens) and rejected (" + rejected.length + " tokens) are identical in the "
              + (chosenIds.length) + " completion tokens that fit max_length " + policy.maxLength());
    }
    int[] promptIds = new int[keptPrompt + 1];
    promptIds[0] = tokenizer.bosId();
    System.arraycopy(prompt, prompt.length - keptPrompt, promptIds, 1, keptPrompt);
    return Parsed.accepted(new TokenizedPair(promptIds, chosenIds, rejectedIds));
  }

  private String noRoom(int promptTokens, int keptPrompt, int budget) {
    return "prompt of " + promptTokens + " tokens cut to " + keptPrompt + " (max_prompt_length "
        + policy.maxPromptLength() + ") leaves " + budget + " of max_length " + policy.maxLength()
        + " tokens: no room for a completion token" + (policy.eosWhenCut() ? " and EOS" : "");
  }

  private static Parsed<TokenizedPair> reject(PreferencePair pair, String field, RejectReason reason, String detail) {
    String where = pair.pairIndex() == 0 ? "" : " (pair " + pair.pairIndex() + " of its record)";
    return Parsed.rejected(new Reject(pair.sourceFile(), pair.line(), field, reason, detail + where));
  }
}
