package io.aligntune.core.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Map;

/**
 * Turns one JSON record into values or a reject. A pure function of its arguments: the same parser runs
 * over lines of a local JSONL file, elements of a JSON array, and rows of a Spark Dataset (converted to
 * {@link JsonNode}), and a retried Spark task gets the same answer.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface RecordParser<T> extends Serializable {

  /**
   * @param record the parsed JSON value (any type: a non-object is a reject, not an exception)
   * @param sourceFile where the record came from, copied into values and rejects
   * @param line position of the record, with the meaning documented on {@link Reject}
   */
  Parsed<T> parse(JsonNode record, String sourceFile, long line);

  /**
   * The same for a record held as nested maps and lists (a Spark {@code Row} converted with
   * {@code getJavaMap}/{@code getList}, or YAML), converted to a {@link JsonNode} first.
   */
  default Parsed<T> parseMap(Map<String, ?> record, String sourceFile, long line) {
    return parse(StrictJson.mapper().valueToTree(record), sourceFile, line);
  }
}
