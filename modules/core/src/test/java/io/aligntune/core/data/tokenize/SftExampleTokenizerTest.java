package io.aligntune.core.data.tokenize;

import static io.aligntune.core.data.CharTokenizer.BOS;
import static io.aligntune.core.data.CharTokenizer.DUMMY_PREFIX;
import static io.aligntune.core.data.CharTokenizer.EOS;
import static io.aligntune.core.data.tokenize.PreferencePairTokenizerTest.seq;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.aligntune.core.data.CharTokenizer;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.sft.SftExample;
import io.aligntune.core.data.sft.SftExample.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

class SftExampleTokenizerTest {

  static SftExample example(Segment... segments) {
    return new SftExample(List.of(segments), "s.jsonl", 5);
  }

  static TokenizedSequence accepted(Parsed<TokenizedSequence> parsed) {
    assertEquals(1, parsed.values().size(), String.valueOf(parsed.rejectOrNull()));
    return parsed.values().get(0);
  }

  /** The mask as a string: '.' not supervised, 'S' supervised. */
  static String mask(TokenizedSequence sequence) {
    StringBuilder text = new StringBuilder();
    for (boolean s : sequence.supervised()) {
      text.append(s ? 'S' : '.');
    }
    return text.toString();
  }

  @Test
  void promptCompletionSupervisesCompletionAndEos() {
    SftExampleTokenizer tokenizer = new SftExampleTokenizer(CharTokenizer.withDummyPrefix(), new TruncationPolicy(64, 32));
    TokenizedSequence tokens = accepted(tokenizer.tokenize(example(Segment.context("ab"), Segment.supervised("cd"))));
    assertArrayEquals(seq(BOS, DUMMY_PREFIX, "abcd", EOS), tokens.ids());
    assertEquals("....SSS", mask(tokens));
    assertEquals(3, tokens.supervisedCount());
  }

  @Test
  void eosIsSupervisedEvenThoughPadEqualsEos() {
    CharTokenizer tokenizer = CharTokenizer.plain();
    assertEquals(tokenizer.eosId(), tokenizer.padId());
    TokenizedSequence tokens = accepted(new SftExampleTokenizer(tokenizer, new TruncationPolicy(64, 32))
        .tokenize(example(Segment.context("q"), Segment.supervised("a"))));
    assertEquals(EOS, tokens.id(tokens.length() - 1));
    assertEquals(true, tokens.isSupervised(tokens.length() - 1));
  }

  @Test
  void everyAssistantTurnEndsWithASupervisedEos() {
    TokenizedSequence tokens = accepted(new SftExampleTokenizer(CharTokenizer.plain(), new TruncationPolicy(64, 32)).tokenize(
        example(Segment.context("u1"), Segment.supervised("a1"), Segment.context("u2"), Segment.supervised("a2"))));
    assertArrayEquals(seq(BOS, "u1a1", EOS, "u2a2", EOS), tokens.ids());
    assertEquals("...SSS..SSS", mask(tokens));
  }

  @Test
  void plainTextIsAllSupervisedAfterBos() {
    TokenizedSequence tokens = accepted(new SftExampleTokenizer(CharTokenizer.plain(), new TruncationPolicy(64, 32))
        .tokenize(example(Segment.supervised("abc"))));
    assertArrayEquals(seq(BOS, "abc", EOS), tokens.ids());
    assertEquals(".SSSS", mask(tokens));
  }

  @Test
  void truncationKeepsContextEndAndAnswerStart() {
    SftExampleTokenizer tokenizer = new SftExampleTokenizer(CharTokenizer.plain(), new TruncationPolicy(8, 3));
    TokenizedSequence tokens = accepted(tokenizer.tokenize(example(Segment.context("abcdef"), Segment.supervised("0123456"))));
    assertArrayEquals(seq(BOS, "def", "012", EOS), tokens.ids());
    assertEquals("....SSSS", mask(tokens));
  }

  @Test
  void cutInsideALaterAnswerClosesItWithEos() {
    SftExampleTokenizer tokenizer = new SftExampleTokenizer(CharTokenizer.plain(), new TruncationPolicy(10, 4));
    TokenizedSequence tokens = accepted(tokenizer.tokenize(
        example(Segment.context("u"), Segment.supervised("a1"), Segment.context("u2"), Segment.supervised("answer"))));
    assertArrayEquals(seq(BOS, "u", "a1", EOS, "u2", "an", EOS), tokens.ids());
    assertEquals(10, tokens.length());
  }

  @Test
  void cutInsideContextAfterAnAnswerLeavesThatContextUnsupervised() {
    SftExampleTokenizer tokenizer = new SftExampleTokenizer(CharTokenizer.plain(), new TruncationPolicy(6, 1));
    TokenizedSequence tokens = accepted(tokenizer.tokenize(
        example(Segment.context("u"), Segment.supervised("a1"), Segment.context("u2"), Segment.supervised("b"))));
    assertArrayEquals(seq(BOS, "u", "a1", EOS, "u"), tokens.ids());
    assertEquals("..SSS.", mask(tokens));
  }

  @Test
  void laterAnswerWithRoomForEosAloneIsDroppedNotLeftAsABareEos() {
    SftExampleTokenizer tokenizer = new SftExampleTokenizer(CharTokenizer.plain(), new TruncationPolicy(8, 1));
    TokenizedSequence tokens = accepted(tokenizer.tokenize(
        example(Segment.context("u"), Segment.supervised("a1"), Segment.context("u2"), Segment.supervised("bc"))));
    assertArrayEquals(seq(BOS, "u", "a1", EOS, "u2"), tokens.ids());
  }

  @Test
  void nothingSupervisedLeftIsRejectedNamingTheSegment() {
    Reject reject = new SftExampleTokenizer(CharTokenizer.plain(), new TruncationPolicy(6, 5))
        .tokenize(example(Segment.context("0123456789"), Segment.supervised("a"))).rejectOrNull();
    assertNotNull(reject);
    assertEquals(new Reject("s.jsonl", 5, "segments[1]", RejectReason.NO_COMPLETION_TOKENS, reject.detail()), reject);
  }
}
