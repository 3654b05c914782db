package io.aligntune.core.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

/**
 * Typed access to the fields of a JSON record, throwing {@link RecordRejection} with the field's full path
 * ({@code input.messages[1].content}) and the precise reason: absent is {@link RejectReason#MISSING_FIELD},
 * present with another type (including JSON {@code null}) is {@link RejectReason#WRONG_TYPE}, text with no
 * non-whitespace character is {@link RejectReason#EMPTY_FIELD}. Values are never coerced: a number where
 * text is required is a producer bug worth seeing, not something to paper over.
 */
public final class RecordFields {

  private RecordFields() {}

  /** The record itself, which must be a JSON object. */
  public static JsonNode requireObject(JsonNode record) {
    if (record == null || !record.isObject()) {
      throw new RecordRejection("", RejectReason.WRONG_TYPE,
          "record is " + typeName(record) + ", expected a JSON object");
    }
    return record;
  }

  /** A field that must be present, of any type. */
  public static JsonNode require(JsonNode object, String name, String path) {
    JsonNode value = object.get(name);
    if (value == null) {
      throw new RecordRejection(path, RejectReason.MISSING_FIELD, "required field '" + path + "' is absent");
    }
    return value;
  }

  /** A required text field with at least one non-whitespace character, returned unmodified. */
  public static String requireText(JsonNode object, String name, String path) {
    return text(require(object, name, path), path);
  }

  /** A value that must be non-blank text, returned unmodified. */
  public static String text(JsonNode value, String path) {
    if (!value.isTextual()) {
      throw wrongType(path, value, "text");
    }
    String text = value.textValue();
    if (text.isBlank()) {
      throw new RecordRejection(path, RejectReason.EMPTY_FIELD,
          "'" + path + "' is " + (text.isEmpty() ? "empty" : "only whitespace"));
    }
    return text;
  }

  /** A required JSON array (possibly empty; callers check the size they need). */
  public static JsonNode requireArray(JsonNode object, String name, String path) {
    JsonNode value = require(object, name, path);
    if (!value.isArray()) {
      throw wrongType(path, value, "an array");
    }
    return value;
  }

  /** A required JSON object. */
  public static JsonNode requireObjectField(JsonNode object, String name, String path) {
    JsonNode value = require(object, name, path);
    if (!value.isObject()) {
      throw wrongType(path, value, "an object");
    }
    return value;
  }

  public static RecordRejection wrongType(String path, JsonNode value, String expected) {
    return new RecordRejection(path, RejectReason.WRONG_TYPE,
        "'" + path + "' is " + typeName(value) + ", expected " + expected);
  }

  /** "a number", "null", "an array"... for messages. */
  public static String typeName(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "absent";
    }
    JsonNodeType type = value.getNodeType();
    return switch (type) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING -> "text";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case BINARY -> "binary";
      case MISSING -> "absent";
    };
  }
}
