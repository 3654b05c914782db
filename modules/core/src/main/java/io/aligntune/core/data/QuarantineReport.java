package io.aligntune.core.data;

import java.io.Serializable;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counts of what one stage of data preparation did with its input: rows read, accepted and rejected (per
 * reason), and values produced. A serializable accumulator in the style of Spark MLlib aggregators: each
 * partition {@link #add}s its outcomes, {@code treeAggregate}/{@code reduce} {@link #merge}s partitions,
 * and the driver {@link #checkConsistent() checks} the invariant before writing the run report.
 *
 * <p>A "row" is one unit of the stage's input: a line/element of a file when parsing, a pair or example
 * when tokenizing. A row is either accepted or rejected, so {@code rowsRead == rowsAccepted + rowsRejected}
 * always. An accepted row may produce several values (a ranked list expands to one pair per worse
 * response), which is why {@link #valuesProduced()} is counted apart and is at least {@code rowsAccepted}.
 *
 * <p>Mutable and not thread-safe, like any aggregator: one instance per task, merged afterwards.
 */
public final class QuarantineReport implements Serializable {

  private static final long serialVersionUID = 1L;

  private long rowsRead;
  private long rowsAccepted;
  private long rowsRejected;
  private long valuesProduced;
  private long blankLinesSkipped;
  private final EnumMap<RejectReason, Long> rejectsByReason = new EnumMap<>(RejectReason.class);

  /** Counts one outcome. Returns this, for folding. */
  public QuarantineReport add(Parsed<?> outcome) {
    rowsRead++;
    Reject reject = outcome.rejectOrNull();
    if (reject == null) {
      rowsAccepted++;
      valuesProduced += outcome.values().size();
    } else {
      rowsRejected++;
      rejectsByReason.merge(reject.reason(), 1L, Long::sum);
    }
    return this;
  }

  /**
   * Counts JSON Lines lines that were empty or only whitespace: not records, so not rows (read = accepted +
   * rejected still holds), but counted so that no line of an input goes unreported. Returns this.
   */
  public QuarantineReport addBlankLines(long lines) {
    if (lines < 0) {
      throw new IllegalArgumentException("blank lines = " + lines + "; must be >= 0");
    }
    blankLinesSkipped += lines;
    return this;
  }

  /** Adds {@code other}'s counts into this report (partition merge). Returns this. */
  public QuarantineReport merge(QuarantineReport other) {
    rowsRead += other.rowsRead;
    rowsAccepted += other.rowsAccepted;
    rowsRejected += other.rowsRejected;
    valuesProduced += other.valuesProduced;
    blankLinesSkipped += other.blankLinesSkipped;
    other.rejectsByReason.forEach((reason, count) -> rejectsByReason.merge(reason, count, Long::sum));
    return this;
  }

  public long rowsRead() {
    return rowsRead;
  }

  public long rowsAccepted() {
    return rowsAccepted;
  }

  public long rowsRejected() {
    return rowsRejected;
  }

  /** Values produced by accepted rows (pairs, examples, prompts); at least {@link #rowsAccepted()}. */
  public long valuesProduced() {
    return valuesProduced;
  }

  /** Blank JSON Lines lines skipped (see {@link #addBlankLines}); not part of {@link #rowsRead()}. */
  public long blankLinesSkipped() {
    return blankLinesSkipped;
  }

  /** Rejected rows with this reason (0 when none). */
  public long rejected(RejectReason reason) {
    return rejectsByReason.getOrDefault(reason, 0L);
  }

  /** Rejected rows per reason, only reasons that occurred; an unmodifiable snapshot. */
  public Map<RejectReason, Long> rejectsByReason() {
    return Collections.unmodifiableMap(new EnumMap<>(rejectsByReason));
  }

  /** Whether every row is accounted for exactly once and the per-reason counts add up. */
  public boolean isConsistent() {
    long perReason = rejectsByReason.values().stream().mapToLong(Long::longValue).sum();
    return rowsRead == rowsAccepted + rowsRejected
        && perReason == rowsRejected
        && valuesProduced >= rowsAccepted;
  }

  /** Throws if {@link #isConsistent()} is false, naming the counts. Returns this. */
  public QuarantineReport checkConsistent() {
    if (!isConsistent()) {
      throw new IllegalStateException("inconsistent quarantine report: " + this);
    }
    return this;
  }

  /** For people: {@code 2 records read, 0 kept, 2 rejected (missing_field: 1, invalid_value: 1)}. */
  public String describe() {
    StringBuilder line = new StringBuilder().append(rowsRead).append(" records read, ").append(rowsAccepted)
        .append(" kept, ").append(rowsRejected).append(" rejected");
    if (!rejectsByReason.isEmpty()) {
      java.util.StringJoiner reasons = new java.util.StringJoiner(", ", " (", ")");
      rejectsByReason.forEach((reason, count) -> reasons.add(reason.code() + ": " + count));
      line.append(reasons);
    }
    if (blankLinesSkipped > 0) {
      line.append("; ").append(blankLinesSkipped).append(blankLinesSkipped == 1 ? " blank line" : " blank lines")
          .append(" skipped");
    }
    return line.toString();
  }

  @Override
  public String toString() {
    StringBuilder reasons = new StringBuilder();
    rejectsByReason.forEach((reason, count) ->
        reasons.append(reasons.length() == 0 ? "" : ", ").append(reason.code()).append('=').append(count));
    return "QuarantineReport{read=" + rowsRead + ", accepted=" + rowsAccepted + ", rejected=" + rowsRejected
        + ", values=" + valuesProduced + ", blankLines=" + blankLinesSkipped + ", byReason={" + reasons + "}}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QuarantineReport r
        && rowsRead == r.rowsRead
        && rowsAccepted == r.rowsAccepted
        && rowsRejected == r.rowsRejected
        && valuesProduced == r.valuesProduced
        && blankLinesSkipped == r.blankLinesSkipped
        && rejectsByReason.equals(r.rejectsByReason);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(rowsRead) * 31 + rejectsByReason.hashCode();
  }
}
