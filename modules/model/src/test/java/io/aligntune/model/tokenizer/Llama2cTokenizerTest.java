package io.aligntune.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class Llama2cTokenizerTest {

  private static Llama2cTokenizer tokenizer;

  @BeforeAll
  static void load() throws IOException {
    tokenizer = Llama2cTokenizer.load(SharedTokenizerAssets.tok512());
  }

  @Test
  void specialIdsAndVocabularySizeAreLlama2cs() {
    assertEquals(512, tokenizer.vocabSize());
    assertEquals(1, tokenizer.bosId());
    assertEquals(2, tokenizer.eosId());
    assertEquals(2, tokenizer.padId());
  }

  @Test
  void encodesThePromptLikeRunC() {
    // SOURCES.md reference #2: run.c encodes the prompt with BOS and the dummy prefix to [1, 403, 407, 261, 378].
    assertArrayEquals(new int[] {403, 407, 261, 378}, tokenizer.encode("Once upon a time"));
  }

  @Test
  void decodesTheReferenceGenerationAfterBos() {
    assertEquals(StoriesReference.TEXT, tokenizer.decode(withBos(StoriesReference.IDS)));
    assertEquals(StoriesReference.TEXT, tokenizer.decodeAfterBos(StoriesReference.IDS));
  }

  @Test
  void decodingWithoutBosKeepsTheLeadingSpace() {
    assertEquals(" " + StoriesReference.TEXT, tokenizer.decode(StoriesReference.IDS));
  }

  @Test
  void streamedPiecesConcatenateToTheReferenceBytes() {
    int[] ids = withBos(StoriesReference.IDS);
    ByteArrayOutputStream streamed = new ByteArrayOutputStream();
    int previous = -1;
    for (int id : ids) {
      streamed.writeBytes(tokenizer.decodePiece(previous, id));
      previous = id;
    }
    assertArrayEquals(StoriesReference.TEXT.getBytes(StandardCharsets.UTF_8), streamed.toByteArray());
  }

  @Test
  void reEncodingTheReferenceTextGivesAnEquivalentSequence() {
    // Greedy generation need not produce run.c's own segmentation, but re-encoding must decode back exactly.
    assertEquals(StoriesReference.TEXT, tokenizer.decode(withBos(tokenizer.encode(StoriesReference.TEXT))));
  }

  @Test
  void unknownCharactersFallBackToByteTokens() {
    // 日 is E6 97 A5 in UTF-8 and not in the TinyStories vocabulary: one byte token (byte + 3) per byte.
    assertArrayEquals(new int[] {0xE6 + 3, 0x97 + 3, 0xA5 + 3}, tokenizer.encodeContinuation("日"));
    assertEquals("日", tokenizer.decode(new int[] {0xE6 + 3, 0x97 + 3, 0xA5 + 3}));
  }

  @Test
  void aCharacterSplitOverByteTokensStreamsAsRawBytes() {
    int[] ids = tokenizer.encodeContinuation("😀"); // F0 9F 98 80: four byte tokens
    assertArrayEquals(new int[] {0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}, ids);
    ByteArrayOutputStream streamed = new ByteArrayOutputStream();
    int previous = 1;
    for (int id : ids) {
      byte[] piece = tokenizer.decodePiece(previous, id);
      assertEquals(1, piece.length, "one raw byte per byte token");
      streamed.writeBytes(piece);
      previous = id;
    }
    assertEquals("😀", streamed.toString(StandardCharsets.UTF_8));
  }

  @Test
  void emptyTextHasNoTokensAndNoDummyPrefix() {
    assertArrayEquals(new int[0], tokenizer.encode(""));
    assertArrayEquals(new int[0], tokenizer.encodeContinuation(""));
    assertEquals("", tokenizer.decode(new int[0]));
  }

  @Test
  void bosAndEosDecodeToNothing() {
    assertEquals("", tokenizer.decode(new int[] {1, 2, 1}));
  }

  @Test
  void outOfRangeIdsAreRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {512}));
    assertTrue(e.getMessage().contains("512"), e.getMessage());
  }

  static List<String> texts() {
    return List.of(
        "Once upon a time, there was a little girl.",
        "Привет, мир! Ёжик в тумане.",
        "日本語のテキスト、中文文本。",
        "emoji 😀🎉 family 👩‍👩‍👧 flag 🇫🇷",
        "combining e\u0301 a\u0308 n\u0303 and Z\u0324\u0354\u0367a\u0308\u0356",
        "line1\nline2\r\n\tindented\n\n",
        "  two leading spaces and two trailing  ",
        " ",
        "literal pieces: <0x41> <s> </s> <unk> \n<s>\n",
        "nul a\u0000b",
        "x");
  }

  @ParameterizedTest
  @MethodSource("texts")
  void continuationRoundTripsByteForByte(String text) {
    assertEquals(text, tokenizer.decode(tokenizer.encodeContinuation(text)));
  }

  @ParameterizedTest
  @MethodSource("texts")
  void encodeRoundTripsBehindBos(String text) {
    int[] ids = tokenizer.encode(text);
    assertEquals(text, tokenizer.decode(withBos(ids)));
    assertEquals(text, tokenizer.decodeAfterBos(ids));
    assertArrayEquals(tokenizer.encodeContinuation(" " + text), ids, "encode(s) == encodeContinuation(\" \" + s)");
  }

  @Test
  void matchesAPlainRunCTranscriptionOnRandomText() throws IOException {
    RunCReferenceEncoder reference = new RunCReferenceEncoder(SharedTokenizerAssets.tok512());
    Random random = new Random(20261203);
    String[] words = StoriesReference.TEXT.split("[ \n]");
    String[] exotic = {"é", "ß", "Ж", "日", "😀", "\n", "  ", "\t", ",", "'", "\u0301"};
    for (int trial = 0; trial < 300; trial++) {
      StringBuilder text = new StringBuilder();
      int length = 1 + random.nextInt(40);
      for (int w = 0; w < length; w++) {
        text.append(random.nextInt(8) == 0 ? exotic[random.nextInt(exotic.length)] : words[random.nextInt(words.length)]);
        text.append(random.nextInt(5) == 0 ? "" : " ");
      }
      String s = text.toString();
      int[] expected = reference.encode(s).stream().mapToInt(Integer::intValue).toArray();
      assertArrayEquals(expected, tokenizer.encodeContinuation(s), () -> "text: " + s);
    }
  }

  @Test
  void longTextsEncodeFastAndLikeRunC() throws IOException {
    String text = (StoriesReference.TEXT + " Ёжик 😀 日本\n").repeat(5);
    assertTrue(text.length() > 2_000, "text length " + text.length());
    int[] expected = new RunCReferenceEncoder(SharedTokenizerAssets.tok512()).encode(text).stream()
        .mapToInt(Integer::intValue).toArray();
    assertArrayEquals(expected, tokenizer.encodeContinuation(text));

    String huge = text.repeat(25); // about 50k characters
    long start = System.nanoTime();
    int[] ids = tokenizer.encode(huge);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(huge, tokenizer.decodeAfterBos(ids));
    assertTrue(millis < 2_000, "encoding " + huge.length() + " chars took " + millis + " ms");
  }

  @Test
  void isSafeToShareBetweenThreads() {
    int[] expected = tokenizer.encode(StoriesReference.TEXT);
    IntStream.range(0, 64).parallel().forEach(i ->
        assertArrayEquals(expected, tokenizer.encode(StoriesReference.TEXT)));
  }

  private static int[] withBos(int[] ids) {
    int[] out = new int[ids.length + 1];
    out[0] = 1;
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }
}
