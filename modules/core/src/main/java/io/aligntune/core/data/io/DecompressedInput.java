package io.aligntune.core.data.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Recognizes gzip by its magic bytes rather than by file name: data arrives as {@code part-0000.jsonl.gz},
 * as {@code train.jsonl} that someone gzipped in place, or as a stream with no name at all.
 */
public final class DecompressedInput {

  private static final int GZIP_MAGIC_1 = 0x1f;
  private static final int GZIP_MAGIC_2 = 0x8b;
  private static final int BUFFER_BYTES = 1 << 16;

  private DecompressedInput() {}

  /**
   * {@code in} itself (buffered) when it is not gzip, else a decompressing stream over it. Concatenated gzip
   * members (what {@code cat a.gz b.gz} produces) are read through. Closing the result closes {@code in}.
   */
  public static InputStream open(InputStream in) throws IOException {
    BufferedInputStream buffered = in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, BUFFER_BYTES);
    buffered.mark(2);
    int first = buffered.read();
    int second = buffered.read();
    buffered.reset();
    if (first == GZIP_MAGIC_1 && second == GZIP_MAGIC_2) {
      return new GZIPInputStream(buffered, BUFFER_BYTES);
    }
    return buffered;
  }
}
