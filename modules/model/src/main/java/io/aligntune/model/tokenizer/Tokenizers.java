package io.aligntune.model.tokenizer;

import io.aligntune.core.text.Tokenizer;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Picks the tokenizer implementation from what is at a path. */
public final class Tokenizers {

  private static final String LLAMA2C_FILE = "tokenizer.bin";
  private static final String LLAMA2C_GLOB = "tok*.bin";

  private Tokenizers() {}

  /**
   * Loads the tokenizer at {@code path}:
   * <ul>
   *   <li>a {@code .bin} file: a llama2.c tokenizer ({@link Llama2cTokenizer});
   *   <li>a {@code tokenizer.json} file, or a directory holding one: a Hugging Face tokenizer
   *       ({@link HfTokenizer}; close it when done, or let the GC free it);
   *   <li>a directory holding {@code tokenizer.bin}, or else exactly one {@code tok*.bin} (as llama2.c's
   *       {@code tok512.bin}): a llama2.c tokenizer.
   * </ul>
   *
   * @throws NoSuchFileException when {@code path} does not exist
   * @throws IOException when nothing there matches (the message lists what was looked for), when several
   *     {@code tok*.bin} files make the choice ambiguous, or when loading fails
   */
  public static Tokenizer load(Path path) throws IOException {
    if (path.toString().equals(ByteTokenizer.NAME)) {
      return new ByteTokenizer();
    }
    if (Files.isRegularFile(path)) {
      String name = path.getFileName().toString();
      if (name.endsWith(".bin")) {
        return Llama2cTokenizer.load(path);
      }
      if (name.equals(HfTokenizer.TOKENIZER_FILE)) {
        return HfTokenizer.load(path.toAbsolutePath().getParent());
      }
      throw new IOException(path + ": not a tokenizer file; expected a llama2.c '*.bin' or a '"
          + HfTokenizer.TOKENIZER_FILE + "'");
    }
    if (!Files.isDirectory(path)) {
      throw new NoSuchFileException(path.toString(), null, "no tokenizer file or directory");
    }
    if (Files.isRegularFile(path.resolve(HfTokenizer.TOKENIZER_FILE))) {
      return HfTokenizer.load(path);
    }
    if (Files.isRegularFile(path.resolve(LLAMA2C_FILE))) {
      return Llama2cTokenizer.load(path.resolve(LLAMA2C_FILE));
    }
    List<Path> candidates = llama2cCandidates(path);
    if (candidates.size() == 1) {
      return Llama2cTokenizer.load(candidates.get(0));
    }
    if (candidates.size() > 1) {
      throw new IOException(path + ": several llama2.c tokenizers " + candidates
          + "; name the file to use");
    }
    throw new IOException(path + ": no tokenizer found; looked for '" + HfTokenizer.TOKENIZER_FILE
        + "' (Hugging Face), '" + LLAMA2C_FILE + "' and '" + LLAMA2C_GLOB + "' (llama2.c)");
  }

  private static List<Path> llama2cCandidates(Path directory) throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, LLAMA2C_GLOB)) {
      for (Path file : files) {
        if (Files.isRegularFile(file)) {
          found.add(file);
        }
      }
    }
    found.sort(null);
    return found;
  }
}
