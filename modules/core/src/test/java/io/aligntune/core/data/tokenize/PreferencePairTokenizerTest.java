package io.aligntune.core.data.tokenize;

import static io.aligntune.core.data.CharTokenizer.BOS;
import static io.aligntune.core.data.CharTokenizer.DUMMY_PREFIX;
import static io.aligntune.core.data.CharTokenizer.EOS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.aligntune.core.data.CharTokenizer;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.preference.PreferencePair;
import io.aligntune.core.text.Tokenizer;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PreferencePairTokenizerTest {

  static int[] seq(Object... parts) {
    return Arrays.stream(parts).flatMapToInt(p -> p instanceof Integer i ? IntStream.of(i)
        : IntStream.of(CharTokenizer.ids((String) p))).toArray();
  }

  static TokenizedPair accepted(Parsed<TokenizedPair> parsed) {
    assertEquals(1, parsed.values().size(), String.valueOf(parsed.rejectOrNull()));
    return parsed.values().get(0);
  }

  static Reject rejected(Parsed<TokenizedPair> parsed) {
    assertNotNull(parsed.rejectOrNull(), "expected a reject, got " + parsed.values());
    return parsed.rejectOrNull();
  }

  static PreferencePair pair(String prompt, String chosen, String rejected) {
    return new PreferencePair(prompt, chosen, rejected, "p.jsonl", 12);
  }

  @Test
  void promptWithEncodeCompletionsWithEncodeContinuationJoinedIds() {
    PreferencePairTokenizer tokenizer = new PreferencePairTokenizer(CharTokenizer.withDummyPrefix(), new TruncationPolicy(64, 32));
    TokenizedPair tokens = accepted(tokenizer.tokenize(pair("ab", "cd", "e")));
    assertArrayEquals(seq(BOS, DUMMY_PREFIX, "ab"), tokens.promptIds());
    assertArrayEquals(seq("cd", EOS), tokens.chosenIds());
    assertArrayEquals(seq("e", EOS), tokens.rejectedIds());
    CompletionSequence chosen = tokens.chosen();
    assertArrayEquals(seq(BOS, DUMMY_PREFIX, "abcd", EOS), chosen.sequence());
    assertEquals(4, chosen.promptLength());
    assertEquals(3, chosen.completionLength(), "completion tokens include EOS");
    assertEquals(4, tokens.rejected().promptLength());
  }

  @Test
  void exactlyOneBosEvenWhenTheRenderedPromptStartsWithIt() {
    Tokenizer bosInText = new CharTokenizerWrapper() {
      @Override
      public int[] encode(String text) {
        return seq(BOS, text);
      }
    };
    TokenizedPair tokens = accepted(new PreferencePairTokenizer(bosInText, new TruncationPolicy(64, 32)).tokenize(pair("ab", "c", "d")));
    assertArrayEquals(seq(BOS, "ab"), tokens.promptIds());
  }

  @Test
  void completionThatAlreadyEndsWithEosGetsNoSecond() {
    Tokenizer eosInText = new CharTokenizerWrapper() {
      @Override
      public int[] encodeContinuation(String text) {
        return text.endsWith("</s>") ? seq(text.substring(0, text.length() - 4), EOS) : CharTokenizer.ids(text);
      }
    };
    TokenizedPair tokens = accepted(new PreferencePairTokenizer(eosInText, new TruncationPolicy(64, 32)).tokenize(pair("a", "b</s>", "c")));
    assertArrayEquals(seq("b", EOS), tokens.chosenIds());
    assertArrayEquals(seq("c", EOS), tokens.rejectedIds());
  }

  @Test
  void fittingExactlyCutsNothing() {
    TokenizedPair tokens = accepted(new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(10, 3))
        .tokenize(pair("abc", "defgh", "x")));
    assertEquals(10, tokens.chosen().length());
    assertArrayEquals(seq(BOS, "abc"), tokens.promptIds());
    assertArrayEquals(seq("defgh", EOS), tokens.chosenIds());
  }

  @Test
  void promptKeepsItsEndCompletionKeepsItsStartAndEosIsKept() {
    PreferencePairTokenizer tokenizer = new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(10, 3));
    TokenizedPair tokens = accepted(tokenizer.tokenize(pair("abcdefgh", "0123456789", "xyz")));
    assertArrayEquals(seq(BOS, "fgh"), tokens.promptIds(), "both sides share the same cut prompt");
    assertArrayEquals(seq("01234", EOS), tokens.chosenIds());
    assertArrayEquals(seq("xyz", EOS), tokens.rejectedIds(), "the short side is not cut");
    assertEquals(10, tokens.chosen().length());
  }

  @Test
  void withoutEosWhenCutTheCutCompletionEndsMidText() {
    PreferencePairTokenizer tokenizer = new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(10, 3, false));
    TokenizedPair tokens = accepted(tokenizer.tokenize(pair("abcdefgh", "0123456789", "xyz")));
    assertArrayEquals(seq("012345"), tokens.chosenIds());
    assertArrayEquals(seq("xyz", EOS), tokens.rejectedIds());
  }

  @Test
  void shortPromptIsKeptWholeWhenOnlyTheCompletionIsLong() {
    TokenizedPair tokens = accepted(new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(10, 3))
        .tokenize(pair("ab", "0123456789", "x")));
    assertArrayEquals(seq(BOS, "ab"), tokens.promptIds());
    assertArrayEquals(seq("012345", EOS), tokens.chosenIds());
  }

  @Test
  void noRoomLeftIsNoCompletionTokens() {
    Reject none = rejected(new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(6, 5))
        .tokenize(pair("0123456789", "xy", "z")));
    assertEquals(new Reject("p.jsonl", 12, "chosen", RejectReason.NO_COMPLETION_TOKENS, none.detail()), none);
    // One free position is EOS alone: still nothing of the completion.
    Reject onlyEos = rejected(new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(7, 5))
        .tokenize(pair("0123456789", "xy", "z")));
    assertEquals(RejectReason.NO_COMPLETION_TOKENS, onlyEos.reason());
    // Without the EOS, that position holds a completion token.
    TokenizedPair oneToken = accepted(new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(7, 5, false))
        .tokenize(pair("0123456789", "xy", "z")));
    assertArrayEquals(seq("x"), oneToken.chosenIds());
    assertArrayEquals(seq("z"), oneToken.rejectedIds(), "the completion fits but its EOS does not");
  }

  @Test
  void identicalOnlyAfterTruncationIsCountedApart() {
    Reject reject = rejected(new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(8, 2))
        .tokenize(pair("Q:", "same start, then A", "same start, then B")));
    assertEquals(RejectReason.IDENTICAL_AFTER_TRUNCATION, reject.reason());
    assertEquals("rejected", reject.field());
    assertEquals(12, reject.line());
  }

  @Test
  void differentTextWithIdenticalIdsIsIdentical() {
    Tokenizer lowercasing = new CharTokenizerWrapper() {
      @Override
      public int[] encodeContinuation(String text) {
        return CharTokenizer.ids(text.toLowerCase(Locale.ROOT));
      }
    };
    Reject reject = rejected(new PreferencePairTokenizer(lowercasing, new TruncationPolicy(64, 32)).tokenize(pair("Q", "Yes", "yes")));
    assertEquals(RejectReason.IDENTICAL_CHOSEN_REJECTED, reject.reason());
  }

  @Test
  void rankedPairRejectSaysWhichPair() {
    PreferencePair second = new PreferencePair("0123456789", "a", "b", "r.jsonl", 3, 1);
    Reject reject = rejected(new PreferencePairTokenizer(CharTokenizer.plain(), new TruncationPolicy(6, 5)).tokenize(second));
    assertEquals(3, reject.line());
    assertEquals(true, reject.detail().endsWith("(pair 1 of its record)"), reject.detail());
  }

  /** A {@link CharTokenizer} whose methods a test overrides to script odd tokenizer behaviour. */
  private static class CharTokenizerWrapper implements Tokenizer {
    private final Tokenizer delegate = CharTokenizer.plain();

    @Override
    public int[] encode(String text) {
      return delegate.encode(text);
    }

    @Override
    public int[] encodeContinuation(String text) {
      return delegate.encodeContinuation(text);
    }

    @Override
    public String decode(int[] ids) {
      return delegate.decode(ids);
    }

    @Override
    public int bosId() {
      return BOS;
    }

    @Override
    public int eosId() {
      return EOS;
    }

    @Override
    public int vocabSize() {
      return delegate.vocabSize();
    }
  }
}
