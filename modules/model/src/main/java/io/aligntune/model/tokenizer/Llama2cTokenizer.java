package io.aligntune.model.tokenizer;

import io.aligntune.core.text.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The tokenizer of llama2.c checkpoints ({@code tokenizer.bin}, e.g. {@code tok512.bin} of stories260K),
 * encoding and decoding exactly as llama2.c's {@code run.c} does.
 *
 * <p><b>Encoding.</b> The text's UTF-8 bytes are split into characters (a lead byte and its continuation
 * bytes); each character becomes its vocabulary piece, or one byte-fallback token per byte ({@code byte + 3})
 * when the vocabulary lacks it; then adjacent pairs are merged greedily by score ({@link GreedyPairMerger}).
 * {@link #encode} first puts SentencePiece's dummy-prefix space in front of a non-empty text, so
 * {@code encode(s)} has the same ids as {@code encodeContinuation(" " + s)}; {@link #encodeContinuation}
 * adds nothing. Unlike run.c (C strings), a U+0000 character is encoded, as byte token {@code <0x00>}.
 *
 * <p><b>Decoding.</b> Pieces are concatenated as bytes and turned into a String (UTF-8) only at the end, so
 * a character split over several byte tokens comes out whole. Byte tokens {@code <0xNN>} become the raw
 * byte; BOS and EOS produce nothing; and, as in run.c, a piece that directly follows BOS loses its leading
 * space, which removes the dummy prefix that {@link #encode} added. The start of an id array is not treated
 * as following a BOS. Round trips, for any text {@code s} that is valid UTF-16:
 * <ul>
 *   <li>{@code decode(encodeContinuation(s)).equals(s)};
 *   <li>{@code decode([bosId, ...encode(s)]).equals(s)}: the layout the trainer uses, one BOS at position 0;
 *   <li>{@code decodeAfterBos(encode(s)).equals(s)}: the inverse of {@code encode} for ids without the BOS.
 * </ul>
 * {@code decode(encode(s))} is {@code " " + s} for non-empty {@code s}: its ids are those of
 * {@code encodeContinuation(" " + s)}, so no decoder could return {@code s} for one and keep the space for
 * the other. Decoding a completion on its own therefore keeps its leading space, as it should when the
 * completion is appended to its prompt.
 *
 * <p>Immutable and thread-safe.
 */
public final class Llama2cTokenizer implements Tokenizer {

  /** llama2.c hard-codes these ids (run.c: BOS 1, EOS 2). */
  private static final int BOS_ID = 1;

  private static final int EOS_ID = 2;
  private static final byte[] NOTHING = new byte[0];
  private static final byte SPACE = ' ';

  private final GreedyPairMerger merger;
  /** What each id contributes to decoded text (before run.c's after-BOS space stripping). */
  private final byte[][] decodedBytes;

  private Llama2cTokenizer(Llama2cVocab vocab) {
    this.merger = new GreedyPairMerger(vocab);
    this.decodedBytes = new byte[vocab.size()][];
    for (int id = 0; id < vocab.size(); id++) {
      if (isTextPiece(id)) {
        decodedBytes[id] = vocab.piece(id);
      } else if (Llama2cVocab.isByteToken(id)) {
        decodedBytes[id] = new byte[] {(byte) (id - Llama2cVocab.FIRST_BYTE_TOKEN)};
      } else {
        decodedBytes[id] = NOTHING;
      }
    }
  }

  /**
   * Loads a llama2.c {@code tokenizer.bin}, reading tokens until the file ends.
   *
   * @throws IOException when the file is unreadable, truncated inside a token or not a llama2.c tokenizer;
   *     the message names the file and the token index where reading stopped
   */
  public static Llama2cTokenizer load(Path file) throws IOException {
    return new Llama2cTokenizer(Llama2cVocab.read(file, OptionalInt.empty()));
  }

  /**
   * Loads a llama2.c {@code tokenizer.bin} holding {@code vocabSize} tokens (the checkpoint's
   * {@code vocab_size}); this also catches a file cut exactly between two tokens.
   */
  public static Llama2cTokenizer load(Path file, int vocabSize) throws IOException {
    if (vocabSize <= 0) {
      throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
    }
    return new Llama2cTokenizer(Llama2cVocab.read(file, OptionalInt.of(vocabSize)));
  }

  /** Ids of {@code text} after run.c's dummy-prefix space (none for an empty text); no BOS/EOS. */
  @Override
  public int[] encode(String text) {
    return text.isEmpty() ? new int[0] : encodeContinuation(" " + text);
  }

  /** Ids of {@code text} exactly as given: no dummy prefix, no BOS/EOS. */
  @Override
  public int[] encodeContinuation(String text) {
    return merger.merge(characterTokens(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** One token per UTF-8 character, or one byte token per byte of a character the vocabulary lacks. */
  private int[] characterTokens(byte[] utf8) {
    int[] tokens = new int[utf8.length];
    int count = 0;
    int start = 0;
    while (start < utf8.length) {
      // run.c's grouping: a character is a byte plus the continuation bytes (10xxxxxx) after it, at most 4.
      int end = start + 1;
      while (end < utf8.length && end - start < 4 && (utf8[end] & 0xC0) == 0x80) {
        end++;
      }
      int id = merger.lookup(utf8, start, end);
      if (id >= 0) {
        tokens[count++] = id;
      } else {
        for (int i = start; i < end; i++) {
          tokens[count++] = (utf8[i] & 0xFF) + Llama2cVocab.FIRST_BYTE_TOKEN;
        }
      }
      start = end;
    }
    return Arrays.copyOf(tokens, count);
  }

  /** Text of {@code ids}, with the start of the array not counted as following a BOS (see class doc). */
  @Override
  public String decode(int[] ids) {
    return decodeFrom(-1, ids);
  }

  /** Text of {@code ids} as if a BOS preceded them: the inverse of {@link #encode}. */
  public String decodeAfterBos(int[] ids) {
    return decodeFrom(BOS_ID, ids);
  }

  private String decodeFrom(int previous, int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
    for (int id : ids) {
      out.writeBytes(decodePiece(previous, id));
      previous = id;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Bytes that {@code id} adds to the text when it follows {@code prevId} (any negative value for "nothing
   * before it"), for streaming generated tokens. A multi-byte character may span several calls: collect
   * the bytes and convert them to a String only when the character is complete. The returned array must
   * not be modified.
   */
  public byte[] decodePiece(int prevId, int id) {
    if (id < 0 || id >= decodedBytes.length) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
          + decodedBytes.length + ")");
    }
    byte[] bytes = decodedBytes[id];
    // Only text pieces qualify: run.c tests the stored piece, which for a byte token starts with '<'.
    if (prevId == BOS_ID && isTextPiece(id) && bytes.length > 0 && bytes[0] == SPACE) {
      return Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return bytes;
  }

  private static boolean isTextPiece(int id) {
    return id != BOS_ID && id != EOS_ID && !Llama2cVocab.isByteToken(id);
  }

  @Override
  public int bosId() {
    return BOS_ID;
  }

  @Override
  public int eosId() {
    return EOS_ID;
  }

  @Override
  public int vocabSize() {
    return decodedBytes.length;
  }
}
