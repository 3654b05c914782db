package io.aligntune.core.data.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordFields;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;

/**
 * Reads one record of a JSONL eval suite: {@code {"id", "category", "prompt", "expected": "refuse"|"comply"}}.
 * {@code expected_behavior} is accepted for {@code expected} (the name in the design document); if both are
 * present they must agree. The id may be text or an integer (written as its decimal digits), since suites
 * exported from spreadsheets number their rows; anything else is {@code wrong_type}.
 */
public final class EvalPromptParser implements RecordParser<EvalPrompt> {

  private static final long serialVersionUID = 1L;

  @Override
  public Parsed<EvalPrompt> parse(JsonNode record, String sourceFile, long line) {
    try {
      RecordFields.requireObject(record);
      String id = id(RecordFields.require(record, "id", "id"));
      String category = RecordFields.requireText(record, "category", "category");
      String prompt = RecordFields.requireText(record, "prompt", "prompt");
      return Parsed.accepted(new EvalPrompt(id, category, prompt, expected(record)));
    } catch (RecordRejection rejection) {
      return Parsed.rejected(rejection.toReject(sourceFile, line));
    }
  }

  private static String id(JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.asText();
    }
    return RecordFields.text(value, "id");
  }

  private static Expected expected(JsonNode record) {
    Expected expected = record.has("expected") ? label(record.get("expected"), "expected") : null;
    Expected behavior = record.has("expected_behavior") ? label(record.get("expected_behavior"), "expected_behavior") : null;
    if (expected == null && behavior == null) {
      throw new RecordRejection("expected", RejectReason.MISSING_FIELD,
          "required field 'expected' (or 'expected_behavior') is absent");
    }
    if (expected != null && behavior != null && expected != behavior) {
      throw new RecordRejection("expected_behavior", RejectReason.INVALID_VALUE,
          "'expected' is " + expected.label() + " but 'expected_behavior' is " + behavior.label());
    }
    return expected != null ? expected : behavior;
  }

  private static Expected label(JsonNode value, String field) {
    String text = RecordFields.text(value, field);
    Expected expected = Expected.fromLabelOrNull(text);
    if (expected == null) {
      throw new RecordRejection(field, RejectReason.INVALID_VALUE,
          "'" + field + "' is '" + text + "', expected 'refuse' or 'comply'");
    }
    return expected;
  }
}
