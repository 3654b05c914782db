package io.aligntune.spark.io;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Files at any Hadoop FileSystem URI (file://, hdfs://, s3a://, plain local paths): content hashes, and
 * local copies for the readers that need a local file (safetensors is memory-mapped).
 */
public final class HadoopFiles {

  private HadoopFiles() {}

  public static org.apache.hadoop.fs.Path path(String uri) {
    return new org.apache.hadoop.fs.Path(uri);
  }

  /**
   * The FileSystem serving {@code uri}.
   *
   * @throws MissingFileSystemException when no FileSystem for the URI's scheme is on the classpath: Hadoop
   *     reports that as "No FileSystem for scheme" for an unknown scheme, and as a RuntimeException around
   *     a ClassNotFoundException for one its defaults name but whose jar is absent (s3a without hadoop-aws)
   */
  public static FileSystem fileSystem(String uri) throws IOException {
    return fileSystem(uri, new Configuration());
  }

  /** {@link #fileSystem(String)} under a given configuration (a Spark context's). */
  public static FileSystem fileSystem(String uri, Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path p = path(uri);
    try {
      return p.getFileSystem(conf);
    } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
      throw new MissingFileSystemException(uri, p.toUri().getScheme(), e);
    } catch (RuntimeException e) {
      if (e.getCause() instanceof ClassNotFoundException) {
        throw new MissingFileSystemException(uri, p.toUri().getScheme(), e);
      }
      throw e;
    }
  }

  /** A path whose scheme no FileSystem on the classpath serves; the message says which jar would. */
  public static final class MissingFileSystemException extends IOException {
    private final String scheme;

    MissingFileSystemException(String uri, String scheme, Exception cause) {
      super(uri + ": no Hadoop FileSystem for scheme '" + scheme + "' on the classpath (" + remedy(scheme) + ")", cause);
      this.scheme = scheme;
    }

    public String scheme() {
      return scheme;
    }

    /** The message without the leading URI, for callers that name the path and its config field themselves. */
    public String problem() {
      String m = getMessage();
      return m.substring(m.indexOf(": no Hadoop FileSystem") + 2);
    }
  }

  private static String remedy(String scheme) {
    String jars = switch (scheme == null ? "" : scheme) {
      case "s3a", "s3" -> "hadoop-aws and the AWS SDK bundle it depends on";
      case "gs" -> "the Google Cloud Storage connector (gcs-connector)";
      case "abfs", "abfss", "wasb", "wasbs" -> "hadoop-azure";
      default -> null;
    };
    return "add " + (jars == null ? "the jar that provides a FileSystem for it" : jars + ", at the cluster's Hadoop version,")
        + " to the job's jars: spark-submit --jars or --packages";
  }

  /** Names such as {@code builtin:bytes} refer to something in the code, not to a file. */
  public static boolean isBuiltin(String uri) {
    return uri.startsWith("builtin:");
  }

  /** Whether the URI names this machine's file system (no scheme, or file:). */
  public static boolean isLocal(String uri) {
    String scheme = URI.create(uri.replace(" ", "%20")).getScheme();
    return scheme == null || scheme.equals("file");
  }

  public static Path toLocalPath(String uri) {
    return uri.startsWith("file:") ? Paths.get(URI.create(uri)) : Paths.get(uri);
  }

  /**
   * SHA-256 over a file, or over a directory's files (sorted by name, each name then its bytes; nested
   * folders are not descended into, since model directories are flat).
   */
  public static String contentHash(String uri) throws IOException {
    if (isBuiltin(uri)) {
      return uri; // built into the code (e.g. the byte tokenizer): its name is its identity
    }
    FileSystem fs = fileSystem(uri);
    org.apache.hadoop.fs.Path root = path(uri);
    if (!fs.exists(root)) {
      throw new IOException("not found: " + uri);
    }
    MessageDigest digest = sha256();
    FileStatus status = fs.getFileStatus(root);
    FileStatus[] files = status.isDirectory() ? fs.listStatus(root) : new FileStatus[] {status};
    Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    byte[] buffer = new byte[1 << 16];
    for (FileStatus f : files) {
      if (!f.isFile()) {
        continue;
      }
      digest.update(f.getPath().getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      try (InputStream in = fs.open(f.getPath())) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          digest.update(buffer, 0, n);
        }
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * A local path holding the file or directory at {@code uri}: the path itself when local, else a copy in
   * the JVM's temp folder keyed by content hash (reused by later tasks in the same JVM).
   */
  public static synchronized Path localCopy(String uri, String contentHash) throws IOException {
    if (isBuiltin(uri)) {
      return Paths.get(uri);
    }
    if (isLocal(uri)) {
      return toLocalPath(uri);
    }
    Path cache = Paths.get(System.getProperty("java.io.tmpdir"), "aligntune-models", contentHash);
    Path target = cache.resolve(path(uri).getName());
    if (Files.exists(cache.resolve("_COMPLETE"))) {
      return target;
    }
    Files.createDirectories(cache);
    fileSystem(uri).copyToLocalFile(false, path(uri), new org.apache.hadoop.fs.Path(target.toUri()), true);
    Files.createFile(cache.resolve("_COMPLETE"));
    return target;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
