package io.aligntune.core.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one Jackson configuration used to read data records. Stricter than Jackson's defaults where leniency
 * would hide corrupt data, laxer in one place where real producers deviate from the JSON standard:
 * <ul>
 *   <li>trailing tokens after the value ({@code {"a":1} {"b":2}} on one line) are malformed, not ignored;
 *   <li>a duplicated key is malformed: which of the two values a producer meant is unknowable;
 *   <li>{@code NaN}/{@code Infinity} literals are parsed, because Python's {@code json.dumps} writes them by
 *       default; the record parsers then reject them as {@link RejectReason#INVALID_VALUE} with the field
 *       named, which says far more than "malformed JSON at column 57".
 * </ul>
 */
public final class StrictJson {

  private static final ObjectMapper MAPPER = JsonMapper.builder(new JsonFactory())
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private StrictJson() {}

  /** The configured mapper; shared and thread-safe (do not reconfigure it). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Parses one JSON value (a JSONL line). */
  public static JsonNode parse(String text) throws JsonProcessingException {
    return MAPPER.readTree(text);
  }

  /**
   * Jackson's message without its "Source: ..." location suffix and with line breaks flattened: the reject
   * already names the file and line, and the detail column should stay one line.
   */
  public static String describe(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      message = e.getClass().getSimpleName();
    }
    var location = e.getLocation();
    String column = location == null || location.getColumnNr() < 0 ? "" : " (column " + location.getColumnNr() + ")";
    return message.replace('\n', ' ').replace('\r', ' ') + column;
  }
}
