package io.aligntune.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged and foreign tokenizer.bin files: every error must name the file and where reading stopped. */
class Llama2cTokenizerFileTest {

  private static byte[] original;

  @TempDir Path temp;

  @BeforeAll
  static void readOriginal() throws IOException {
    original = Files.readAllBytes(SharedTokenizerAssets.tok512());
  }

  @Test
  void fileCutInsideATokenNamesTheFileAndTheToken() throws IOException {
    Path cut = write("cut.bin", Arrays.copyOf(original, tokenStart(300) + 9)); // inside token 300's bytes
    IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(cut));
    assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("token #300"), e.getMessage());
  }

  @Test
  void fileCutInsideATokenHeaderNamesTheToken() throws IOException {
    Path cut = write("cut.bin", Arrays.copyOf(original, tokenStart(411) + 3));
    IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(cut, 512));
    assertTrue(e.getMessage().contains("token #411"), e.getMessage());
  }

  @Test
  void fileCutBetweenTokensIsCaughtWhenTheVocabularySizeIsGiven() throws IOException {
    Path cut = write("cut.bin", Arrays.copyOf(original, tokenStart(400)));
    IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(cut, 512));
    assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("token #399") && e.getMessage().contains("512"), e.getMessage());
    // Without the size the file is a valid, smaller vocabulary: the format has no count to check against.
    assertEquals(400, Llama2cTokenizer.load(cut).vocabSize());
  }

  @Test
  void fileWithoutByteTokensIsRejected() throws IOException {
    Path tiny = write("tiny.bin", Arrays.copyOf(original, tokenStart(100)));
    IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(tiny));
    assertTrue(e.getMessage().contains("token #99"), e.getMessage());
  }

  @Test
  void fileWithAWrongByteTokenIsRejected() throws IOException {
    byte[] bytes = original.clone();
    int textOfToken3 = tokenStart(3) + 8; // "<0x00>"
    bytes[textOfToken3 + 4] = 'F';
    Path bad = write("bad.bin", bytes);
    IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(bad));
    assertTrue(e.getMessage().contains("token #3") && e.getMessage().contains("<0x00>"), e.getMessage());
  }

  @Test
  void negativeLengthIsRejected() throws IOException {
    byte[] bytes = original.clone();
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(tokenStart(7) + 4, -5);
    Path bad = write("bad.bin", bytes);
    IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(bad));
    assertTrue(e.getMessage().contains("token #7"), e.getMessage());
  }

  @Test
  void emptyAndMissingFilesFailClearly() throws IOException {
    Path empty = write("empty.bin", new byte[2]);
    IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(empty));
    assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
    assertThrows(NoSuchFileException.class, () -> Llama2cTokenizer.load(temp.resolve("absent.bin")));
  }

  @Test
  void aFileWrittenInTheDocumentedFormatLoadsAndMerges() throws IOException {
    // A file built from scratch in the documented format, to pin the format itself (not just tok512.bin).
    ByteBuffer out = ByteBuffer.allocate(8_192).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(6);
    putToken(out, 0f, "<unk>");
    putToken(out, 0f, "\n<s>\n");
    putToken(out, 0f, "\n</s>\n");
    for (int b = 0; b < 256; b++) {
      putToken(out, 0f, String.format("<0x%02X>", b));
    }
    putToken(out, -1f, " ");
    putToken(out, -2f, "ab");
    putToken(out, -3f, " ab");
    putToken(out, -4f, "a");
    putToken(out, -5f, "b");
    Path file = write("hand.bin", Arrays.copyOf(out.array(), out.position()));
    Llama2cTokenizer t = Llama2cTokenizer.load(file);
    assertEquals(264, t.vocabSize());
    // " ab" -> [" ", "a", "b"]; " a" is no piece, "ab" is -> [" ", "ab"] -> [" ab"] (id 261).
    assertArrayEquals(new int[] {261}, t.encode("ab"));
    assertEquals("ab", t.decodeAfterBos(t.encode("ab")));
  }

  private static void putToken(ByteBuffer out, float score, String piece) {
    byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
    out.putFloat(score).putInt(bytes.length).put(bytes);
  }

  /** Byte offset where token {@code index} of tok512.bin begins (after the 4-byte header). */
  private static int tokenStart(int index) {
    ByteBuffer in = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
    int offset = Integer.BYTES;
    for (int i = 0; i < index; i++) {
      offset += Float.BYTES + Integer.BYTES + in.getInt(offset + Float.BYTES);
    }
    return offset;
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(temp.resolve(name), bytes);
  }
}
