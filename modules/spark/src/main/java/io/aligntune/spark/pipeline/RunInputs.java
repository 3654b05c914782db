package io.aligntune.spark.pipeline;

import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.core.config.EvaluationSettings;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Every input path a run's config names, checked and hashed on the driver before any phase runs.
 *
 * <p>A missing input used to surface only when the phase that reads it started (a missing
 * {@code finetune.data} after three phases had run); {@link #check} reports every missing path with its
 * config field at once instead. The data files are hashed here once, and the same hashes go into the
 * manifest's {@code inputs} and into each phase's fingerprint, so what the manifest says a phase read is
 * what the phase's ledger entry was checked against.
 *
 * <p>Hashes: a plain file is the SHA-256 of its bytes ({@code sha256sum} gives the same hex). A glob or a
 * directory is the SHA-256 over one line {@code <file sha256>  <file uri>\n} per matched file, sorted by
 * URI (hidden {@code _}/{@code .} names skipped as the data readers do), so that adding, removing, renaming
 * or editing any matched file changes it; {@link Input#files()} keeps the per-file hashes for the manifest.
 * The model is not hashed here (its content hash is the base of the lineage, computed where it is loaded).
 */
final class RunInputs {

  /**
   * @param field the config field that names it ({@code finetune.data[0]})
   * @param path the path as written in the config
   * @param sha256 hex hash (see the class comment), null for a model or tokenizer (only checked to exist)
   * @param files matched file URI → its SHA-256, for globs and directories (empty for a plain file)
   */
  record Input(String field, String path, String sha256, Map<String, String> files) {
    boolean isSet() {
      return !files.isEmpty();
    }
  }

  /**
   * Thrown before any phase runs when config paths do not exist or no FileSystem on the classpath serves
   * their scheme; the message lists each with its field.
   */
  static final class MissingInputsException extends IllegalArgumentException {
    MissingInputsException(String message) {
      super(message);
    }
  }

  /**
   * Thrown before any phase runs when an {@code align.data} or {@code finetune.data} entry holds no record
   * (0 bytes or only blank lines): otherwise the base model would be evaluated first, and only then would the
   * phase find nothing to train on.
   */
  static final class EmptyInputsException extends IllegalArgumentException {
    EmptyInputsException(String message) {
      super(message);
    }
  }

  private final Map<String, Input> byPath;

  private RunInputs(Map<String, Input> byPath) {
    this.byPath = byPath;
  }

  /** Field → path of every input the config names, in config order (disabled sections left out). */
  static Map<String, String> named(AlignTuneConfig config) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (!config.model().isRandom()) {
      fields.put("model.path", config.model().path());
    }
    if (config.model().tokenizer() != null && !HadoopFiles.isBuiltin(config.model().tokenizer())) {
      fields.put("model.tokenizer", config.model().tokenizer());
    }
    if (config.align().enabled()) {
      for (int i = 0; i < config.align().data().size(); i++) {
        fields.put("align.data[" + i + "]", config.align().data().get(i));
      }
    }
    if (config.finetune().enabled()) {
      for (int i = 0; i < config.finetune().data().size(); i++) {
        fields.put("finetune.data[" + i + "]", config.finetune().data().get(i));
      }
    }
    List<EvaluationSettings.Suite> suites = config.evaluation().suites();
    for (int i = 0; i < suites.size(); i++) {
      fields.put("evaluation.suites[" + i + "].path", suites.get(i).path());
    }
    if (config.evaluation().heldOutText() != null) {
      fields.put("evaluation.held_out_text", config.evaluation().heldOutText());
    }
    return fields;
  }

  /**
   * Checks that every input exists (a glob must match at least one file) and hashes the data inputs.
   *
   * @throws MissingInputsException naming every missing path, or path whose scheme no FileSystem on the
   *     classpath serves, with its field, before anything is hashed
   */
  private static boolean isFolder(String uri) throws IOException {
    org.apache.hadoop.fs.Path path = HadoopFiles.path(uri);
    org.apache.hadoop.fs.FileSystem fs = HadoopFiles.fileSystem(uri);
    return fs.exists(path) && fs.getFileStatus(path).isDirectory();
  }

  static RunInputs check(AlignTuneConfig config) throws IOException {
    Map<String, String> fields = named(config);
    List<String> missing = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    Map<String, List<FileStatus>> matched = new LinkedHashMap<>();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      List<FileStatus> files;
      try {
        files = matches(f.getValue());
      } catch (HadoopFiles.MissingFileSystemException e) {
        unreadable.add("  " + f.getKey() + " " + f.getValue() + ": " + e.problem());
        continue;
      }
      if (files.isEmpty()) {
        missing.add("  " + f.getKey() + ": " + f.getValue() + (isGlob(f.getValue()) ? " (the pattern matches no file)"
            : isFolder(f.getValue()) ? " (a folder with no data file in it)" : " (not found)"));
      }
      matched.put(f.getKey(), files);
    }
    if (!unreadable.isEmpty()) {
      missing.addAll(0, unreadable);
      throw new MissingInputsException(config.source() + ": " + missing.size() + " input path(s) named in the config cannot"
          + " be read (checked before any phase ran):\n" + String.join("\n", missing));
    }
    if (!missing.isEmpty()) {
      throw new MissingInputsException(config.source() + ": " + missing.size() + " input path(s) named in the config do not"
          + " exist (checked before any phase ran; relative paths are resolved against the working directory "
          + System.getProperty("user.dir") + "):\n" + String.join("\n", missing));
    }
    Map<String, Input> byPath = new LinkedHashMap<>();
    List<String> empty = new ArrayList<>();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      String path = f.getValue();
      if (f.getKey().startsWith("model.") || byPath.containsKey(path)) {
        continue;
      }
      List<String> blankFiles = new ArrayList<>();
      Input input = hash(f.getKey(), path, matched.get(f.getKey()), blankFiles);
      byPath.put(path, input);
      boolean trainingData = f.getKey().startsWith("align.data") || f.getKey().startsWith("finetune.data");
      int files = matched.get(f.getKey()).size();
      if (trainingData && blankFiles.size() == files) {
        empty.add("  " + f.getKey() + ": " + path + (!input.isSet()
            ? " is empty (0 bytes or only blank lines)"
            : ": all " + files + " matched file(s) are empty (0 bytes or only blank lines): " + blankFiles));
      }
    }
    if (!empty.isEmpty()) {
      throw new EmptyInputsException(config.source() + ": " + empty.size() + " training data input(s) hold no record"
          + " (checked before any phase ran):\n" + String.join("\n", empty));
    }
    return new RunInputs(Collections.unmodifiableMap(byPath));
  }

  /** The hashed data inputs (not the model), keyed by their path as written in the config. */
  Map<String, Input> all() {
    return byPath;
  }

  /** {@code sha256:<hex>} of one input named in the config. */
  String hash(String path) {
    Input in = byPath.get(path);
    if (in == null) {
      throw new IllegalArgumentException(path + " is not one of the run's checked inputs");
    }
    return "sha256:" + in.sha256();
  }

  static boolean isGlob(String path) {
    return path.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  /** The files a path names: itself, a directory's (recursively, hidden names skipped) or a glob's. */
  private static List<FileStatus> matches(String path) throws IOException {
    FileSystem fs = HadoopFiles.fileSystem(path);
    FileStatus[] found = fs.globStatus(HadoopFiles.path(path));
    List<FileStatus> files = new ArrayList<>();
    if (found != null) {
      for (FileStatus s : found) {
        collect(fs, s, files);
      }
    }
    return files;
  }

  private static void collect(FileSystem fs, FileStatus status, List<FileStatus> into) throws IOException {
    if (status.isFile()) {
      into.add(status);
      return;
    }
    if (status.isDirectory()) {
      for (FileStatus child : fs.listStatus(status.getPath())) {
        String name = child.getPath().getName();
        if (!name.startsWith("_") && !name.startsWith(".")) {
          collect(fs, child, into);
        }
      }
    }
  }

  /** @param blankFiles receives the URI of each file that is empty or holds only whitespace */
  private static Input hash(String field, String path, List<FileStatus> files, List<String> blankFiles)
      throws IOException {
    FileSystem fs = HadoopFiles.fileSystem(path);
    boolean single = files.size() == 1 && !isGlob(path) && files.get(0).getPath().equals(
        fs.makeQualified(HadoopFiles.path(path)));
    Map<String, String> each = new TreeMap<>();
    for (FileStatus f : files) {
      Digest d = sha256(fs, f.getPath());
      each.put(f.getPath().toString(), d.sha256());
      if (d.blank()) {
        blankFiles.add(f.getPath().toString());
      }
    }
    if (single) {
      return new Input(field, path, each.values().iterator().next(), Map.of());
    }
    MessageDigest combined = digest();
    each.forEach((uri, sha) -> combined.update((sha + "  " + uri + "\n").getBytes(StandardCharsets.UTF_8)));
    return new Input(field, path, HexFormat.of().formatHex(combined.digest()), Collections.unmodifiableMap(each));
  }

  /** @param blank the file is empty or holds only spaces, tabs and line breaks: no record in any format */
  record Digest(String sha256, boolean blank) {}

  /** The file's SHA-256, and whether it is blank, in one read (the bytes are read for the hash anyway). */
  static Digest sha256(FileSystem fs, Path file) throws IOException {
    MessageDigest digest = digest();
    byte[] buffer = new byte[1 << 16];
    boolean blank = true;
    try (InputStream in = fs.open(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        for (int i = 0; blank && i < n; i++) {
          byte b = buffer[i];
          blank = b == ' ' || b == '\t' || b == '\r' || b == '\n';
        }
      }
    }
    return new Digest(HexFormat.of().formatHex(digest.digest()), blank);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
