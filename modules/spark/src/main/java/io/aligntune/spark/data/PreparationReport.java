package io.aligntune.spark.data;

import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.RejectReason;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * What a data job did with its input, one {@link QuarantineReport} per stage, each merged over all files:
 * <ul>
 *   <li>{@code parsing}: rows are input records (JSONL lines, array elements, Parquet rows); values are the
 *       pairs or examples they yield (a ranked list yields several pairs, so values can exceed rows);
 *   <li>{@code tokenizing}: rows are those values, one by one; values are the tokenized examples kept.
 * </ul>
 * Every record is accounted for exactly once: {@link #checkConsistent()} requires each stage's
 * {@code read == accepted + rejected} and that tokenizing read exactly what parsing produced. A violation
 * means data was lost or double counted, and the job fails rather than train on it.
 *
 * <p>Each row of the rejects table is one rejected row of one stage, so the table's count per reason (all
 * stages) equals {@link #rejected(RejectReason)}.
 */
public record PreparationReport(QuarantineReport parsing, QuarantineReport tokenizing) implements Serializable {

  public PreparationReport {
    Objects.requireNonNull(parsing, "parsing");
    Objects.requireNonNull(tokenizing, "tokenizing");
  }

  static PreparationReport empty() {
    return new PreparationReport(new QuarantineReport(), new QuarantineReport());
  }

  /** Adds {@code other}'s counts into this report's (partition merge). Returns this. */
  PreparationReport merge(PreparationReport other) {
    parsing.merge(other.parsing);
    tokenizing.merge(other.tokenizing);
    return this;
  }

  /** Input records read (lines, elements, rows), over all files. */
  public long recordsRead() {
    return parsing.rowsRead();
  }

  /** Blank JSON Lines lines skipped: not records, so not in {@link #recordsRead()}. */
  public long blankLinesSkipped() {
    return parsing.blankLinesSkipped();
  }

  /** Tokenized pairs or examples kept: the size of the tokenized dataset. */
  public long examples() {
    return tokenizing.valuesProduced();
  }

  /** Rejects with this reason, all stages together (a reason belongs to one stage in practice). */
  public long rejected(RejectReason reason) {
    return parsing.rejected(reason) + tokenizing.rejected(reason);
  }

  /** Rejected rows of both stages together: the number of rows of the rejects table. */
  public long rejectedTotal() {
    return parsing.rowsRejected() + tokenizing.rowsRejected();
  }

  /** Rejects per reason, both stages, only reasons that occurred. */
  public Map<RejectReason, Long> rejectsByReason() {
    Map<RejectReason, Long> all = new EnumMap<>(RejectReason.class);
    parsing.rejectsByReason().forEach((reason, n) -> all.merge(reason, n, Long::sum));
    tokenizing.rejectsByReason().forEach((reason, n) -> all.merge(reason, n, Long::sum));
    return all;
  }

  public boolean isConsistent() {
    return parsing.isConsistent() && tokenizing.isConsistent() && tokenizing.rowsRead() == parsing.valuesProduced()
        && tokenizing.valuesProduced() == tokenizing.rowsAccepted();
  }

  /** Throws, naming the counts, unless every record is accounted for exactly once. Returns this. */
  public PreparationReport checkConsistent() {
    if (!isConsistent()) {
      throw new IllegalStateException("data preparation lost or double counted records: parsing " + parsing
          + ", tokenizing " + tokenizing + " (tokenizing must read exactly the " + parsing.valuesProduced()
          + " values parsing produced, and each stage must have read = accepted + rejected)");
    }
    return this;
  }

  /**
   * One line for the console, e.g. "300 records read, 299 pairs kept, 1 rejected (empty_field: 1); 2 blank
   * lines skipped" (the last part only when there were blank lines).
   *
   * @param unit what the kept values are ("pairs", "examples")
   */
  public String describe(String unit) {
    StringBuilder line = new StringBuilder();
    line.append(recordsRead()).append(" records read, ").append(examples()).append(' ').append(unit).append(" kept, ")
        .append(rejectedTotal()).append(" rejected");
    Map<RejectReason, Long> byReason = rejectsByReason();
    if (!byReason.isEmpty()) {
      StringJoiner reasons = new StringJoiner(", ", " (", ")");
      byReason.forEach((reason, n) -> reasons.add(reason.code() + ": " + n));
      line.append(reasons);
    }
    long blank = blankLinesSkipped();
    if (blank > 0) {
      line.append("; ").append(blank).append(blank == 1 ? " blank line" : " blank lines").append(" skipped");
    }
    return line.toString();
  }

  @Override
  public String toString() {
    return "PreparationReport{parsing=" + parsing + ", tokenizing=" + tokenizing + "}";
  }
}
