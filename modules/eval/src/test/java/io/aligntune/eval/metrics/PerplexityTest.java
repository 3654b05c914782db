package io.aligntune.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PerplexityTest {

  @Test
  void exponentiatesTheMeanNll() {
    // A uniform guess over 512 tokens costs ln 512 per token: perplexity 512.
    assertEquals(512.0, Perplexity.fromNll(10 * Math.log(512), 10), 1e-9);
    assertEquals(1.0, Perplexity.fromNll(0, 3));
    // Sums, not means: 2 tokens at 1.0 and 8 at 0.5 → exp(0.6).
    assertEquals(Math.exp(0.6), Perplexity.fromNll(2 * 1.0 + 8 * 0.5, 10), 1e-12);
  }

  @Test
  void zeroTokensIsAnError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Perplexity.fromNll(0, 0));
    assertTrue(e.getMessage().contains("tokenCount = 0"), e.getMessage());
  }

  @Test
  void badSumsAreErrors() {
    assertThrows(IllegalArgumentException.class, () -> Perplexity.fromNll(-1, 5));
    assertThrows(IllegalArgumentException.class, () -> Perplexity.fromNll(Double.NaN, 5));
    assertThrows(IllegalArgumentException.class, () -> Perplexity.fromNll(Double.POSITIVE_INFINITY, 5));
  }
}
