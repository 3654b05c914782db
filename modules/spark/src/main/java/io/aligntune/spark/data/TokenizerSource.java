package io.aligntune.spark.data;

import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Where executors find the tokenizer, small enough to ship with every task: a llama2.c {@code .bin}, a
 * {@code tokenizer.json} or a Hugging Face directory at any Hadoop URI, and the hash of its content, which
 * keys the executors' cache and is part of a tokenized dataset's identity (same URI, new file: new data).
 *
 * @param uri the tokenizer's location
 * @param contentHash {@link HadoopFiles#contentHash} of {@code uri}
 */
public record TokenizerSource(String uri, String contentHash) implements Serializable {

  public TokenizerSource {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(contentHash, "contentHash");
  }

  /** The tokenizer at {@code uri}, hashing its content now (on the driver). */
  public static TokenizerSource at(String uri) {
    try {
      return new TokenizerSource(uri, HadoopFiles.contentHash(uri));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer " + uri + ": " + e.getMessage(), e);
    }
  }
}
