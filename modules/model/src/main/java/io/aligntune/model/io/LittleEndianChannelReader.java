package io.aligntune.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Positioned, chunked reads from a file channel. Readers use this instead of mapping whole files because
 * a mapping is limited to 2 GiB and a multi-gigabyte checkpoint only ever needs one tensor at a time.
 */
final class LittleEndianChannelReader {

  /** Chunk size for bulk reads: large enough to amortise system calls, small enough to stay cheap. */
  static final int CHUNK_BYTES = 1 << 20;

  private LittleEndianChannelReader() {}

  /**
   * Fills {@code buffer} (from its position to its limit) with bytes starting at {@code position};
   * hitting end of file is an error naming {@code label}, since the caller validated the size first
   * (so the file changed under us).
   */
  static void readFully(FileChannel channel, ByteBuffer buffer, long position, String label) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new CheckpointFormatException(
            label + ": unexpected end of file at byte " + at + " (file truncated while reading?)");
      }
      at += n;
    }
  }

  /** Reads {@code count} float32 values starting at byte {@code position}. */
  static float[] readFloats(FileChannel channel, long position, int count, String label) throws IOException {
    float[] out = new float[count];
    int chunkBytes = (int) Math.min(CHUNK_BYTES, (long) count * Float.BYTES);
    ByteBuffer chunk = ByteBuffer.allocate(chunkBytes).order(ByteOrder.LITTLE_ENDIAN);
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, chunkBytes / Float.BYTES);
      chunk.clear().limit(n * Float.BYTES);
      readFully(channel, chunk, position + (long) done * Float.BYTES, label);
      chunk.flip();
      chunk.asFloatBuffer().get(out, done, n);
      done += n;
    }
    return out;
  }
}
