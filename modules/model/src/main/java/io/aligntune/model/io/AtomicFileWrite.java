package io.aligntune.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers only ever see the old complete file or the new complete one: the
 * content goes to a hidden temporary file in the same directory, is flushed to disk, and is then renamed
 * over the target. A crash mid-write (or a full disk) leaves no half-written checkpoint behind.
 */
final class AtomicFileWrite {

  /** Produces the file content into an open channel. */
  @FunctionalInterface
  interface Content {
    void writeTo(FileChannel channel) throws IOException;
  }

  private AtomicFileWrite() {}

  static void write(Path target, Content content) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path directory = absolute.getParent();
    Files.createDirectories(directory);
    // Not Files.createTempFile: that makes the file owner-only, and the rename would keep those rights.
    Path temporary =
        directory.resolve(
            "." + absolute.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    boolean moved = false;
    try {
      try (FileChannel channel =
          FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        content.writeTo(channel);
        channel.force(true);
      }
      try {
        Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temporary);
      }
    }
  }

  /** Writes all of {@code bytes} atomically. */
  static void write(Path target, byte[] bytes) throws IOException {
    write(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
  }

  static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }
}
