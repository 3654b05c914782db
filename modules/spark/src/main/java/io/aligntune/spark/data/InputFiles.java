package io.aligntune.spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * Turns the input paths of a data job into the sorted list of files to read.
 *
 * <p>Each input is a file, a directory, or a Hadoop glob ({@code s3a://bucket/feedback/2024-06-*}), on any
 * Hadoop FileSystem. Directories are walked recursively; as in Spark's own readers, names starting with
 * {@code _} or {@code .} ({@code _SUCCESS}, {@code .crc} files, temporary output) are skipped. Every other
 * file must have a data extension ({@link InputFile#containerOf}): an unknown file fails the job instead of
 * being silently left out. A pattern that matches nothing, or inputs that hold no file at all, fail too.
 */
public final class InputFiles {

  private InputFiles() {}

  /**
   * Resolves {@code inputs} and hashes every file, in a Spark job (one task per file) so that large inputs
   * are read where the data is rather than through the driver.
   *
   * @return the files sorted by URI, each once even if several inputs name it
   */
  public static List<InputFile> resolve(JavaSparkContext jsc, List<String> inputs) {
    Configuration conf = jsc.hadoopConfiguration();
    Map<String, InputFile.Container> files = new TreeMap<>();
    try {
      for (String input : inputs) {
        resolveOne(input, conf, files);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list data inputs " + inputs + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("data inputs " + inputs + " hold no file");
    }
    List<String> uris = new ArrayList<>(files.keySet());
    Broadcast<SerializableHadoopConf> shipped = jsc.broadcast(new SerializableHadoopConf(conf));
    jsc.setJobDescription("hash " + uris.size() + " data input file(s)");
    List<Tuple2<String, String>> hashes = jsc.parallelize(uris, uris.size())
        .mapToPair(uri -> new Tuple2<>(uri, sha256(uri, shipped.value().get())))
        .collect();
    shipped.destroy();
    List<InputFile> resolved = new ArrayList<>(hashes.size());
    for (Tuple2<String, String> hash : hashes) {
      resolved.add(new InputFile(hash._1(), files.get(hash._1()), hash._2()));
    }
    resolved.sort((a, b) -> a.uri().compareTo(b.uri()));
    return resolved;
  }

  private static void resolveOne(String input, Configuration conf, Map<String, InputFile.Container> into)
      throws IOException {
    Path pattern = new Path(input);
    FileSystem fs;
    try {
      fs = io.aligntune.spark.io.HadoopFiles.fileSystem(input, conf);
    } catch (io.aligntune.spark.io.HadoopFiles.MissingFileSystemException e) {
      throw new IllegalArgumentException("data input " + input + ": " + e.problem(), e);
    }
    FileStatus[] matches = fs.globStatus(pattern);
    if (matches == null || matches.length == 0) {
      throw new IllegalArgumentException("data input '" + input + "' matches no file or directory");
    }
    for (FileStatus match : matches) {
      add(fs, match, input, into);
    }
  }

  private static void add(FileSystem fs, FileStatus status, String input, Map<String, InputFile.Container> into)
      throws IOException {
    if (status.isDirectory()) {
      for (FileStatus child : fs.listStatus(status.getPath())) {
        if (!isHidden(child.getPath().getName())) {
          add(fs, child, input, into);
        }
      }
      return;
    }
    String name = status.getPath().getName();
    InputFile.Container container = InputFile.containerOf(name).orElseThrow(() -> new IllegalArgumentException(
        "data input '" + input + "' holds " + status.getPath() + ", which is not a data file; expected .jsonl, "
            + ".jsonl.gz, .ndjson, .json, .json.gz or .parquet (names starting with '_' or '.' are skipped)"));
    into.put(fs.makeQualified(status.getPath()).toString(), container);
  }

  /**
   * A file path as Spark reports it ({@code _metadata.file_path}: a URI, possibly {@code file:///} and
   * percent-encoded) in the form {@link #resolve} gives {@link InputFile#uri()}, so that rows of one file
   * carry the same {@code source_file} whichever reader produced them.
   */
  static String sparkPathToUri(String sparkPath) {
    try {
      return new Path(new java.net.URI(sparkPath)).toString();
    } catch (java.net.URISyntaxException e) {
      return new Path(sparkPath).toString();
    }
  }

  private static boolean isHidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  static String sha256(String uri, Configuration conf) throws IOException {
    Path path = new Path(uri);
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = path.getFileSystem(conf).open(path)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
