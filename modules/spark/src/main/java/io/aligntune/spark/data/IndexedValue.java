package io.aligntune.spark.data;

import java.io.Serializable;

/**
 * A tokenized value with its dense dataset index (0..N-1, in {@link SourcePosition} order) and lineage.
 */
record IndexedValue<T>(long index, SourcePosition position, T value) implements Serializable {}
