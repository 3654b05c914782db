package io.aligntune.model.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * The pieces and merge scores of a llama2.c {@code tokenizer.bin}: a little-endian int32
 * {@code max_token_length}, then for every token a float32 score, an int32 byte length and that many raw
 * bytes. The file does not store the vocabulary size (run.c takes it from the checkpoint header), so it is
 * either given by the caller or taken as "every token up to the end of the file".
 *
 * <p>Pieces are kept as raw bytes: byte-fallback tokens are stored as the text {@code <0xNN>}, and
 * llama2.c merges on the stored text, not on what a token decodes to.
 */
final class Llama2cVocab {

  /** First byte-fallback id: 0 is {@code <unk>}, 1 BOS, 2 EOS, then {@code <0x00>} .. {@code <0xFF>}. */
  static final int FIRST_BYTE_TOKEN = 3;

  private static final int BYTE_TOKEN_COUNT = 256;

  private final byte[][] pieces;
  private final float[] scores;

  private Llama2cVocab(byte[][] pieces, float[] scores) {
    this.pieces = pieces;
    this.scores = scores;
  }

  /**
   * Reads {@code file}. With {@code expectedSize} present, exactly that many tokens are read (trailing
   * bytes are ignored, as run.c does); without it, tokens are read until the file ends.
   *
   * @throws IOException when the file cannot be read, ends inside a token, holds fewer tokens than expected,
   *     or lacks llama2.c's byte-fallback tokens at ids 3..258; the message names the file and token index
   */
  static Llama2cVocab read(Path file, OptionalInt expectedSize) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < Integer.BYTES) {
      throw new IOException(file + ": too short for a llama2.c tokenizer (" + in.remaining()
          + " bytes, no max_token_length header)");
    }
    in.getInt(); // max_token_length: only sizes run.c's scratch buffer; nothing here needs it.
    List<byte[]> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    int limit = expectedSize.orElse(Integer.MAX_VALUE);
    while (pieces.size() < limit && in.hasRemaining()) {
      int index = pieces.size();
      if (in.remaining() < Float.BYTES + Integer.BYTES) {
        throw endedInside(file, index, in, "its score/length header");
      }
      float score = in.getFloat();
      int length = in.getInt();
      if (length < 0) {
        throw new IOException(file + ": token #" + index + " has a negative length " + length
            + " at byte offset " + (in.position() - Integer.BYTES));
      }
      if (in.remaining() < length) {
        throw endedInside(file, index, in, "its " + length + " piece bytes");
      }
      byte[] piece = new byte[length];
      in.get(piece);
      pieces.add(piece);
      scores.add(score);
    }
    if (expectedSize.isPresent() && pieces.size() < limit) {
      throw new IOException(file + ": ended after token #" + (pieces.size() - 1) + " (" + pieces.size()
          + " tokens), but the vocabulary has " + limit);
    }
    float[] scoreArray = new float[scores.size()];
    for (int i = 0; i < scoreArray.length; i++) {
      scoreArray[i] = scores.get(i);
    }
    Llama2cVocab vocab = new Llama2cVocab(pieces.toArray(new byte[0][]), scoreArray);
    vocab.checkByteTokens(file);
    return vocab;
  }

  private static IOException endedInside(Path file, int index, ByteBuffer in, String what) {
    return new IOException(file + ": file ends inside token #" + index + " (" + what + "), at byte offset "
        + in.position() + " of " + in.limit() + "; truncated or not a llama2.c tokenizer.bin");
  }

  /** The encoder falls back to id {@code byte + 3}; a vocabulary without those pieces would be misread. */
  private void checkByteTokens(Path file) throws IOException {
    if (size() < FIRST_BYTE_TOKEN + BYTE_TOKEN_COUNT) {
      throw new IOException(file + ": holds only " + size() + " tokens (ended after token #" + (size() - 1)
          + "); a llama2.c tokenizer needs at least " + (FIRST_BYTE_TOKEN + BYTE_TOKEN_COUNT)
          + " (<unk>, BOS, EOS and 256 byte tokens)");
    }
    for (int b = 0; b < BYTE_TOKEN_COUNT; b++) {
      int id = FIRST_BYTE_TOKEN + b;
      byte[] expected = byteTokenText(b);
      if (!Arrays.equals(pieces[id], expected)) {
        throw new IOException(file + ": token #" + id + " is '" + new String(pieces[id], StandardCharsets.UTF_8)
            + "' where the byte token '" + new String(expected, StandardCharsets.US_ASCII)
            + "' was expected; not a llama2.c tokenizer with byte fallback");
      }
    }
  }

  /** SentencePiece's spelling of a byte-fallback piece, e.g. {@code <0x0A>}. */
  static byte[] byteTokenText(int b) {
    return String.format("<0x%02X>", b).getBytes(StandardCharsets.US_ASCII);
  }

  static boolean isByteToken(int id) {
    return id >= FIRST_BYTE_TOKEN && id < FIRST_BYTE_TOKEN + BYTE_TOKEN_COUNT;
  }

  int size() {
    return pieces.length;
  }

  /** The stored bytes of {@code id}; callers must not modify the array. */
  byte[] piece(int id) {
    return pieces[id];
  }

  float score(int id) {
    return scores[id];
  }
}
