package io.aligntune.spark.data;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One concrete input file of a data job, with the hash of its bytes (part of the tokenized dataset's
 * identity: a changed file means re-tokenizing).
 *
 * @param uri the file's fully qualified URI ({@code file:/...}, {@code hdfs://...}); also the
 *     {@code source_file} written into examples and rejects, and the first key of the example order
 * @param container how records are stored in it
 * @param sha256 SHA-256 of the file's bytes as stored (compressed files are hashed compressed), hex
 */
public record InputFile(String uri, Container container, String sha256) implements Serializable {

  /** How records are stored in a file, decided by its name. */
  public enum Container {
    /**
     * {@code .jsonl}, {@code .jsonl.gz}, {@code .ndjson}: one JSON record per line. {@code .json} and
     * {@code .json.gz} too, unless the first non-whitespace byte is {@code [}: then the file is one JSON
     * array of records (the Stanford Alpaca layout), positions are 0-based element indexes. gzip is
     * recognized by its magic bytes whatever the name.
     */
    JSON_TEXT,
    /** {@code .parquet}: rows with 0-based row indexes. */
    PARQUET
  }

  public InputFile {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(sha256, "sha256");
  }

  /** The container a file name implies, or empty when the name has no data extension this job reads. */
  public static Optional<Container> containerOf(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    if (name.endsWith(".parquet")) {
      return Optional.of(Container.PARQUET);
    }
    for (String ending : new String[] {".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz"}) {
      if (name.endsWith(ending)) {
        return Optional.of(Container.JSON_TEXT);
      }
    }
    return Optional.empty();
  }

  /** Whether the name allows a whole-file JSON array ({@code .json}, {@code .json.gz}); JSONL names never do. */
  static boolean mayHoldJsonArray(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    return name.endsWith(".json") || name.endsWith(".json.gz");
  }
}
