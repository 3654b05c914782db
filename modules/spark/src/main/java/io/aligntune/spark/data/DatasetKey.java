package io.aligntune.spark.data;

import io.aligntune.core.data.tokenize.TruncationPolicy;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What a tokenized dataset is a function of. Two runs with equal keys produce the same dataset, so a stored
 * dataset whose key equals the current one is reused instead of re-tokenized; any difference (an input
 * file's bytes, the tokenizer's bytes, the truncation policy, the record format, or the preparation code's
 * {@code version}) means preparing the data again.
 *
 * @param kind what the dataset holds: {@link TokenizedPreferences#KIND} or {@link TokenizedSftExamples#KIND}
 * @param version version of the preparation code's output; a job raises it whenever the same inputs
 *     would tokenize differently
 * @param tokenizerHash content hash of the tokenizer ({@link TokenizerSource#contentHash()}); its URI is not
 *     part of the identity
 * @param truncation the truncation policy
 * @param recordFormat the record layout setting ({@code auto}, {@code hh_transcript}, {@code alpaca/stanford}...)
 * @param inputs the input files, sorted by URI, with their content hashes (URIs are part of the identity:
 *     they are the examples' lineage and order)
 */
public record DatasetKey(String kind, int version, String tokenizerHash, TruncationPolicy truncation,
    String recordFormat, List<InputFile> inputs) implements Serializable {

  public DatasetKey {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(tokenizerHash, "tokenizerHash");
    Objects.requireNonNull(truncation, "truncation");
    Objects.requireNonNull(recordFormat, "recordFormat");
    inputs = List.copyOf(inputs);
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a dataset needs at least one input file");
    }
  }

  /** This key as one string (the material of resume checks): equal strings for equal keys. */
  public String identity() {
    StringBuilder s = new StringBuilder("data:" + kind + ":" + version + ":" + tokenizerHash + ":" + truncation + ":"
        + recordFormat);
    inputs.forEach(in -> s.append(':').append(in.uri()).append('=').append(in.sha256()));
    return s.toString();
  }
}
