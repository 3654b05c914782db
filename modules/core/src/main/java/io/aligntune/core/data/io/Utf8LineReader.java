package io.aligntune.core.data.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into lines at {@code \n} (a preceding {@code \r} is part of the terminator) and decodes
 * each line strictly as UTF-8, on its own. Decoding per line rather than per file is the point: a
 * {@code Reader} would either throw at the first bad byte (losing the rest of the file) or silently replace
 * it (turning corrupt text into training data). Here one bad line is reported with its true number and the
 * following lines are unaffected.
 *
 * <p>A UTF-8 byte-order mark at the very start of the input is dropped; it is an encoding signature that
 * Windows tools prepend, not content.
 */
public final class Utf8LineReader implements Closeable {

  private static final int BUFFER_BYTES = 1 << 16;

  private final InputStream in;
  private final byte[] buffer = new byte[BUFFER_BYTES];
  private int bufferPos;
  private int bufferEnd;
  private byte[] lineBytes = new byte[256];
  private long lineNumber;
  private boolean eof;
  private final CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final CharsetDecoder lenient = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE)
      .onUnmappableCharacter(CodingErrorAction.REPLACE);

  /** Reads {@code in} as is; wrap it with {@link DecompressedInput#open} first to accept gzip. */
  public Utf8LineReader(InputStream in) {
    this.in = in;
  }

  /** The next line, or {@code null} at the end of the input. */
  public RawLine next() throws IOException {
    if (eof) {
      return null;
    }
    int length = 0;
    boolean sawNewline = false;
    while (true) {
      if (bufferPos == bufferEnd && !fill()) {
        break;
      }
      int newline = indexOfNewline(bufferPos, bufferEnd);
      int end = newline < 0 ? bufferEnd : newline;
      length = append(length, bufferPos, end);
      if (newline >= 0) {
        bufferPos = newline + 1;
        sawNewline = true;
        break;
      }
      bufferPos = bufferEnd;
    }
    if (!sawNewline) {
      eof = true;
      if (length == 0) {
        return null;
      }
    }
    lineNumber++;
    String terminator = sawNewline ? "\n" : "";
    if (length > 0 && lineBytes[length - 1] == '\r' && sawNewline) {
      length--;
      terminator = "\r\n";
    }
    int start = 0;
    if (lineNumber == 1 && length >= 3
        && lineBytes[0] == (byte) 0xEF && lineBytes[1] == (byte) 0xBB && lineBytes[2] == (byte) 0xBF) {
      start = 3;
    }
    return decode(start, length, terminator);
  }

  private RawLine decode(int start, int end, String terminator) {
    ByteBuffer bytes = ByteBuffer.wrap(lineBytes, start, end - start);
    try {
      strict.reset();
      CharBuffer chars = strict.decode(bytes);
      return new RawLine(lineNumber, chars.toString(), null, terminator);
    } catch (CharacterCodingException e) {
      // decode() leaves the buffer positioned at the first byte it could not decode.
      int offset = bytes.position() - start;
      String error = "invalid UTF-8 byte 0x" + String.format("%02x", lineBytes[start + offset] & 0xff)
          + " at byte offset " + offset + " of the line";
      lenient.reset();
      String replaced;
      try {
        replaced = lenient.decode(ByteBuffer.wrap(lineBytes, start, end - start)).toString();
      } catch (CharacterCodingException impossible) {
        throw new IllegalStateException("a REPLACE decoder cannot fail", impossible);
      }
      return new RawLine(lineNumber, replaced, error, terminator);
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buffer, 0, buffer.length);
    while (n == 0) {
      n = in.read(buffer, 0, buffer.length);
    }
    if (n < 0) {
      return false;
    }
    bufferPos = 0;
    bufferEnd = n;
    return true;
  }

  private int indexOfNewline(int from, int to) {
    for (int i = from; i < to; i++) {
      if (buffer[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private int append(int length, int from, int to) {
    int count = to - from;
    if (length + count > lineBytes.length) {
      lineBytes = Arrays.copyOf(lineBytes, Math.max(lineBytes.length * 2, length + count));
    }
    System.arraycopy(buffer, from, lineBytes, length, count);
    return length + count;
  }

  /** Lines returned so far (the number of the last one). */
  public long linesRead() {
    return lineNumber;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
