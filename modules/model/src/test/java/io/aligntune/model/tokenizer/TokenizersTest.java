package io.aligntune.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersTest {

  @Test
  void aBinFileIsALlama2cTokenizer() throws IOException {
    Tokenizer t = Tokenizers.load(SharedTokenizerAssets.tok512());
    assertInstanceOf(Llama2cTokenizer.class, t);
    assertArrayEquals(new int[] {403, 407, 261, 378}, t.encode("Once upon a time"));
  }

  @Test
  void aModelDirectoryWithTokBinIsALlama2cTokenizer() throws IOException {
    // stories260K/ holds stories260K.bin (the model), tok512.bin and tok512.model: only tok*.bin qualifies.
    assertInstanceOf(Llama2cTokenizer.class, Tokenizers.load(SharedTokenizerAssets.stories260kDirectory()));
  }

  @Test
  void aDirectoryWithTokenizerBinPrefersIt(@TempDir Path dir) throws IOException {
    Files.copy(SharedTokenizerAssets.tok512(), dir.resolve("tokenizer.bin"));
    Files.writeString(dir.resolve("tok_broken.bin"), "not a tokenizer");
    assertInstanceOf(Llama2cTokenizer.class, Tokenizers.load(dir));
  }

  @Test
  void aDirectoryWithTokenizerJsonIsAHuggingFaceTokenizer() throws IOException {
    Tokenizer t = Tokenizers.load(SharedTokenizerAssets.gpt2Directory());
    try (HfTokenizer hf = assertInstanceOf(HfTokenizer.class, t)) {
      assertArrayEquals(new int[] {31373, 995}, hf.encode("hello world"));
    }
    Tokenizer viaFile = Tokenizers.load(SharedTokenizerAssets.gpt2Directory().resolve("tokenizer.json"));
    ((HfTokenizer) viaFile).close();
  }

  @Test
  void anEmptyDirectoryListsWhatWasLookedFor(@TempDir Path dir) {
    IOException e = assertThrows(IOException.class, () -> Tokenizers.load(dir));
    String message = e.getMessage();
    assertTrue(message.contains(dir.toString()) && message.contains("tokenizer.json")
        && message.contains("tokenizer.bin") && message.contains("tok*.bin"), message);
  }

  @Test
  void severalTokBinFilesAreAmbiguous(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tok512.bin"), "x");
    Files.writeString(dir.resolve("tok4096.bin"), "x");
    IOException e = assertThrows(IOException.class, () -> Tokenizers.load(dir));
    assertTrue(e.getMessage().contains("tok512.bin") && e.getMessage().contains("tok4096.bin"), e.getMessage());
  }

  @Test
  void aMissingPathOrAnUnknownFileFails(@TempDir Path dir) throws IOException {
    assertThrows(NoSuchFileException.class, () -> Tokenizers.load(dir.resolve("absent")));
    Path other = Files.writeString(dir.resolve("vocab.txt"), "x");
    IOException e = assertThrows(IOException.class, () -> Tokenizers.load(other));
    assertTrue(e.getMessage().contains("vocab.txt"), e.getMessage());
  }
}
