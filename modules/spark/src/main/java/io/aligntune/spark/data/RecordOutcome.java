package io.aligntune.spark.data;

import io.aligntune.core.data.Reject;
import java.io.Serializable;

/**
 * What a preparation task emits, in input order: one item per tokenized value or reject, and last, once
 * per task, the task's counts. Counting inside the task that produced the data (rather than with
 * accumulators, which a retried task can add twice) keeps the report exactly in step with the data.
 */
sealed interface RecordOutcome<T> extends Serializable {

  record Prepared<T>(SourcePosition position, T value) implements RecordOutcome<T> {}

  record Rejected<T>(Reject reject, PreparationStage stage) implements RecordOutcome<T> {}

  record Counts<T>(PreparationReport report) implements RecordOutcome<T> {}
}
