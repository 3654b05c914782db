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
 * Jackson also decodes a JSON escape of half a UTF-16 surrogate pair (backslash-u d800 with no low half
 * after it) into a string that no UTF-8 can encode; {@link #unpairedSurrogate} finds it, and the file sources reject such a
 * record as {@link RejectReason#INVALID_UTF8} naming the field, before any record parser sees it.
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
   * The first text in {@code record} (a string value or an object key, at any depth) holding an unpaired
   * UTF-16 surrogate, as an {@link RejectReason#INVALID_UTF8} reject naming its field path
   * ({@code messages[1].content}); null when every text can be written as UTF-8.
   */
  public static Reject unpairedSurrogate(JsonNode record, String sourceFile, long line) {
    return unpairedSurrogate(record, "", sourceFile, line);
  }

  private static Reject unpairedSurrogate(JsonNode node, String path, String sourceFile, long line) {
    if (node.isTextual()) {
      int at = unpairedSurrogateIndex(node.textValue());
      return at < 0 ? null : surrogateReject(path, node.textValue(), at, sourceFile, line);
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        Reject r = unpairedSurrogate(node.get(i), path + "[" + i + "]", sourceFile, line);
        if (r != null) {
          return r;
        }
      }
    } else if (node.isObject()) {
      for (var it = node.fields(); it.hasNext(); ) {
        var field = it.next();
        int at = unpairedSurrogateIndex(field.getKey());
        // the path goes into the rejects table, which is UTF-8 too: a bad key is named by its escape
        String key = at < 0 ? field.getKey() : escapeSurrogates(field.getKey());
        String child = path.isEmpty() ? key : path + "." + key;
        if (at >= 0) {
          return surrogateReject(child, field.getKey(), at, sourceFile, line);
        }
        Reject r = unpairedSurrogate(field.getValue(), child, sourceFile, line);
        if (r != null) {
          return r;
        }
      }
    }
    return null;
  }

  /** Index of the first surrogate char not part of a high-low pair, or -1. */
  static int unpairedSurrogateIndex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static String escapeSurrogates(String s) {
    StringBuilder out = new StringBuilder();
    s.chars().forEach(c -> out.append(Character.isSurrogate((char) c) ? String.format("\\u%04x", c) : String.valueOf((char) c)));
    return out.toString();
  }

  private static Reject surrogateReject(String path, String text, int at, String sourceFile, long line) {
    return new Reject(sourceFile, line, path, RejectReason.INVALID_UTF8, "'" + path + "' holds an unpaired UTF-16"
        + " surrogate \\u" + String.format("%04x", (int) text.charAt(at)) + " at character " + at
        + " (an escape of half a surrogate pair), which has no UTF-8 encoding");
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
