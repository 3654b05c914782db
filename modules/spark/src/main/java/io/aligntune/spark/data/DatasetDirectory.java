package io.aligntune.spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A stored tokenized dataset: Parquet files plus the {@link DatasetManifest} sidecar, at any Hadoop path.
 *
 * <p>Writing replaces the directory as a whole: the data goes to a hidden sibling
 * ({@code .<name>.tmp-<uuid>}), the sidecar is written into it last, and only then is the old directory
 * renamed away and the new one renamed into place. A reader thus sees the old dataset or the new one, or,
 * in the instant between the two renames, none (and re-prepares); never half of one. Renames are atomic on
 * HDFS and local disks; on object stores (s3a) they are copies, so a crash mid-rename can leave an
 * incomplete directory, which has no sidecar and is therefore not reused.
 */
final class DatasetDirectory {

  private DatasetDirectory() {}

  static void write(SparkSession spark, Dataset<Row> rows, DatasetManifest manifest, String path) {
    Path target = new Path(path);
    String id = UUID.randomUUID().toString();
    try {
      FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      target = fs.makeQualified(target);
      Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp-" + id);
      rows.write().parquet(temporary.toString());
      try (OutputStream out = fs.create(new Path(temporary, DatasetManifest.FILE_NAME), false)) {
        out.write(manifest.toJson().getBytes(StandardCharsets.UTF_8));
      }
      Path previous = null;
      if (fs.exists(target)) {
        previous = new Path(target.getParent(), "." + target.getName() + ".old-" + id);
        if (!fs.rename(target, previous)) {
          throw new IOException("could not move the previous dataset " + target + " aside to " + previous);
        }
      }
      if (!fs.rename(temporary, target)) {
        if (previous != null) {
          fs.rename(previous, target);
        }
        throw new IOException("could not rename " + temporary + " to " + target);
      }
      if (previous != null) {
        fs.delete(previous, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write tokenized dataset " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * The manifest at {@code path}; empty when there is none (never written, or written incompletely) or it
   * cannot be read as one.
   */
  static Optional<DatasetManifest> manifest(SparkSession spark, String path) {
    Path sidecar = new Path(path, DatasetManifest.FILE_NAME);
    try {
      FileSystem fs = sidecar.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(sidecar)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(sidecar)) {
        return Optional.of(DatasetManifest.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + sidecar + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      // A sidecar this code cannot read (an older layout, a damaged file) describes no dataset it can vouch
      // for: treat it as not current, so the data is prepared again and the directory replaced.
      return Optional.empty();
    }
  }

  /** The stored dataset at {@code path} if its manifest's key equals {@code expected}. */
  static Optional<Stored> loadIfCurrent(SparkSession spark, String path, DatasetKey expected) {
    return manifest(spark, path)
        .filter(manifest -> manifest.key().equals(expected))
        .map(manifest -> new Stored(spark.read().parquet(path), manifest));
  }

  record Stored(Dataset<Row> rows, DatasetManifest manifest) {}
}
