package io.aligntune.spark.data;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.Reject;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongSupplier;

/**
 * Expands parsed records into {@link RecordOutcome}s lazily, one record at a time (a file is never held in
 * memory), counting each stage as it goes, and ends with the task's {@link RecordOutcome.Counts}.
 */
final class OutcomeIterator<V, T> implements Iterator<RecordOutcome<T>> {

  private final Iterator<Parsed<V>> records;
  private final RecordPreparation.Steps<V, T> steps;
  private final PreparationReport counts = PreparationReport.empty();
  private final ArrayDeque<RecordOutcome<T>> pending = new ArrayDeque<>();
  private final LongSupplier blankLines;
  private boolean countsEmitted;

  OutcomeIterator(Iterator<Parsed<V>> records, RecordPreparation.Steps<V, T> steps) {
    this(records, steps, () -> 0);
  }

  /** @param blankLines the blank lines the records' reader skipped, read once every record is consumed */
  OutcomeIterator(Iterator<Parsed<V>> records, RecordPreparation.Steps<V, T> steps, LongSupplier blankLines) {
    this.records = records;
    this.steps = steps;
    this.blankLines = blankLines;
  }

  @Override
  public boolean hasNext() {
    while (pending.isEmpty() && records.hasNext()) {
      expand(records.next());
    }
    if (pending.isEmpty() && !countsEmitted) {
      countsEmitted = true;
      counts.parsing().addBlankLines(blankLines.getAsLong());
      pending.add(new RecordOutcome.Counts<>(counts));
    }
    return !pending.isEmpty();
  }

  @Override
  public RecordOutcome<T> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return pending.poll();
  }

  private void expand(Parsed<V> record) {
    counts.parsing().add(record);
    Reject reject = record.rejectOrNull();
    if (reject != null) {
      pending.add(new RecordOutcome.Rejected<>(reject, PreparationStage.PARSE));
      return;
    }
    for (V value : record.values()) {
      Parsed<T> tokenized = steps.tokenize(value);
      counts.tokenizing().add(tokenized);
      Reject tokenReject = tokenized.rejectOrNull();
      if (tokenReject != null) {
        pending.add(new RecordOutcome.Rejected<>(tokenReject, PreparationStage.TOKENIZE));
      } else {
        for (T tokens : tokenized.values()) {
          pending.add(new RecordOutcome.Prepared<>(steps.position(value), tokens));
        }
      }
    }
  }
}
