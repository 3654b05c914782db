package io.aligntune.spark.data;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Objects;

/**
 * Where a prepared example came from: the order of tokenized datasets. Examples are indexed by sorting on
 * (file, line, pair index), so the same inputs always get the same indexes however Spark partitioned them.
 *
 * @param sourceFile the input file's qualified URI
 * @param line 1-based line in JSONL files, 0-based element or row index in JSON array and Parquet files
 *     (see {@link io.aligntune.core.data.Reject})
 * @param pairIndex which pair of its record (ranked lists yield several); 0 for SFT examples
 */
public record SourcePosition(String sourceFile, long line, int pairIndex)
    implements Comparable<SourcePosition>, Serializable {

  private static final Comparator<SourcePosition> ORDER = Comparator.comparing(SourcePosition::sourceFile)
      .thenComparingLong(SourcePosition::line)
      .thenComparingInt(SourcePosition::pairIndex);

  public SourcePosition {
    Objects.requireNonNull(sourceFile, "sourceFile");
    if (line < 0 || pairIndex < 0) {
      throw new IllegalArgumentException("line and pairIndex must be >= 0, got " + line + ", " + pairIndex);
    }
  }

  @Override
  public int compareTo(SourcePosition other) {
    return ORDER.compare(this, other);
  }
}
