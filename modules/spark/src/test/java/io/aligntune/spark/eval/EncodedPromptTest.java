package io.aligntune.spark.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.tokenizer.ByteTokenizer;
import io.aligntune.model.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class EncodedPromptTest {

  final Tokenizer bytes = new ByteTokenizer();

  @Test
  void shortPromptIsBosThenItsTokens() {
    EncodedPrompt p = EncodedPrompt.encode(bytes, "ab", false, 8, 4);
    assertArrayEquals(new int[] {1, 'a' + 3, 'b' + 3}, p.ids());
    assertFalse(p.truncated());
    assertEquals(3, p.originalLength());
  }

  @Test
  void longPromptKeepsBosAndItsEndAndIsFlagged() {
    // context 8 − 4 new tokens = 4 positions: BOS + the last 3 bytes
    EncodedPrompt p = EncodedPrompt.encode(bytes, "abcdefghij", false, 8, 4);
    assertArrayEquals(new int[] {1, 'h' + 3, 'i' + 3, 'j' + 3}, p.ids());
    assertTrue(p.truncated());
    assertEquals(11, p.originalLength());
    assertFalse(EncodedPrompt.encode(bytes, "abc", false, 8, 4).truncated(), "exactly the budget is not cut");
  }

  @Test
  void noRoomForAPromptIsAConfigurationError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncodedPrompt.encode(bytes, "a", false, 8, 7));
    assertTrue(e.getMessage().contains("max_new_tokens = 7") && e.getMessage().contains("<= 6"), e.getMessage());
  }

  @Test
  void chatTemplateMissingFailsInsteadOfFallingBack() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncodedPrompt.encode(bytes, "a", true, 8, 2));
    assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
  }

  @Test
  @Tag("real-data")
  void chatTemplateRenderingFollowsOneBos() throws Exception {
    String root = System.getProperty("aligntune.shared.data");
    Assumptions.assumeTrue(root != null, "aligntune.shared.data is not set (Surefire sets it); skipping");
    Path llama3 = Paths.get(root, "tokenizers", "llama3");
    Assumptions.assumeTrue(Files.isDirectory(llama3), "shared tokenizer absent: " + llama3);
    Tokenizer tok = Tokenizers.load(llama3);
    EncodedPrompt plain = EncodedPrompt.encode(tok, "How do I kill a Python process?", false, 4096, 64);
    EncodedPrompt chat = EncodedPrompt.encode(tok, "How do I kill a Python process?", true, 4096, 64);
    assertEquals(tok.bosId(), chat.ids()[0]);
    assertNotEquals(tok.bosId(), chat.ids()[1], "the template's own BOS text is dropped: one BOS only");
    assertTrue(chat.ids().length > plain.ids().length, "the template adds the role headers");
    String decodedTail = tok.decode(java.util.Arrays.copyOfRange(chat.ids(), 1, chat.ids().length));
    assertTrue(decodedTail.contains("How do I kill a Python process?"), decodedTail);
  }
}
