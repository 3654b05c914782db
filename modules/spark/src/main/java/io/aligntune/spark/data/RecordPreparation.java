package io.aligntune.spark.data;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.text.Tokenizer;
import java.io.Serializable;

/**
 * What a data job does to each record on the executors: parse it into values (pairs, examples), then
 * tokenize each value. Shipped with the tasks; the parser and tokenizer themselves are built on the
 * executor, once per task, from the executor's tokenizer (neither is serializable).
 *
 * @param <V> the parsed value ({@code PreferencePair}, {@code SftExample})
 * @param <T> the tokenized value ({@code TokenizedPair}, {@code TokenizedSequence})
 */
interface RecordPreparation<V, T> extends Serializable {

  Steps<V, T> open(Tokenizer tokenizer);

  /** The per-task functions. */
  interface Steps<V, T> {

    RecordParser<V> parser();

    Parsed<T> tokenize(V value);

    /** Where the value came from; its sort key in the dataset. */
    SourcePosition position(V value);
  }
}
