package io.aligntune.model.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Refuses PyTorch pickle checkpoints ({@code pytorch_model.bin}, {@code *.pt}, {@code *.pth},
 * {@code *.ckpt}). Unpickling executes code chosen by whoever produced the file, so a downloaded model
 * could run anything on the training cluster; safetensors holds only data.
 *
 * <p>{@code .bin} is ambiguous (llama2.c checkpoints use it too), so a {@code .bin} counts as a pickle
 * only by its first bytes: a zip archive ({@code PK\3\4}, what {@code torch.save} writes since 1.6) or a
 * raw pickle ({@code 0x80}, protocol 2..5, then a non-zero opcode). A llama2.c file starts with its
 * int32 {@code dim}, whose third byte is zero for any dim below 65536, so it never matches.
 */
public final class PickleCheckpointGuard {

  private static final List<String> PICKLE_EXTENSIONS = List.of(".pt", ".pth", ".ckpt");

  private PickleCheckpointGuard() {}

  /**
   * Throws if {@code path} is a pickle checkpoint file, or a directory with pickle weights and no
   * safetensors model weights (a directory that has both is fine: the safetensors are what gets loaded).
   */
  public static void refuseIfPickle(Path path) throws IOException {
    List<Path> pickles = new ArrayList<>();
    if (Files.isDirectory(path)) {
      if (SafetensorsCheckpoint.isPresentIn(path)) {
        return;
      }
      try (DirectoryStream<Path> files = Files.newDirectoryStream(path)) {
        for (Path file : files) {
          if (Files.isRegularFile(file) && isPickleCheckpoint(file)) {
            pickles.add(file.getFileName());
          }
        }
      }
      pickles.sort(null);
    } else if (Files.isRegularFile(path) && isPickleCheckpoint(path)) {
      pickles.add(path.getFileName());
    }
    if (!pickles.isEmpty()) {
      throw new CheckpointFormatException(refusal(path, pickles));
    }
  }

  /** Whether {@code file} is a pickle checkpoint, by extension or (for {@code .bin}) by content. */
  public static boolean isPickleCheckpoint(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    for (String extension : PICKLE_EXTENSIONS) {
      if (name.endsWith(extension)) {
        return true;
      }
    }
    return hasPickleMagic(file);
  }

  /** Whether the first bytes of {@code file} are those of a torch zip archive or a pickle stream. */
  public static boolean hasPickleMagic(Path file) throws IOException {
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    boolean zip = n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    boolean pickle = n >= 3 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5 && head[2] != 0;
    return zip || pickle;
  }

  private static String refusal(Path path, List<Path> pickles) {
    Path absolute = path.toAbsolutePath();
    Path modelDir = Files.isDirectory(absolute) ? absolute : absolute.getParent();
    return path + ": refusing to load PyTorch pickle checkpoint " + pickles
        + ": unpickling can run arbitrary code. Convert it to safetensors on a machine you trust, e.g.\n"
        + "  python -c \"from transformers import AutoModelForCausalLM as M; M.from_pretrained('" + modelDir
        + "').save_pretrained('" + modelDir + "-safetensors', safe_serialization=True)\"";
  }
}
