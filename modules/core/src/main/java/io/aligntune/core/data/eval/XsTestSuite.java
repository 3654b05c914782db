package io.aligntune.core.data.eval;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.io.CsvHeader;
import io.aligntune.core.data.io.CsvRecord;
import io.aligntune.core.data.io.CsvRows;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads XSTest {@code xstest_prompts.csv} (Röttger et al. 2024): columns {@code id,prompt,type,label,focus,note}.
 * XSTest measures exaggerated safety: {@code label=safe} prompts sound alarming but are benign and must be
 * answered ({@link Expected#COMPLY}); {@code unsafe} ones are their harmful contrasts
 * ({@link Expected#REFUSE}). The category is the prompt {@code type} ({@code homonyms},
 * {@code contrast_homonyms}...), the id {@code xstest-<id>} so that ids stay unique next to other suites.
 * Any other label is {@code invalid_value}.
 */
public final class XsTestSuite {

  public static final String ID_PREFIX = "xstest-";

  private XsTestSuite() {}

  /** The returned stream owns {@code in}: closing it closes it. */
  public static Stream<Parsed<EvalPrompt>> read(String sourceFile, InputStream in) {
    return CsvRows.read(sourceFile, in, List.of("id", "prompt", "type", "label"), XsTestSuite::row);
  }

  private static EvalPrompt row(CsvHeader header, CsvRecord record, long dataRow) {
    String id = nonBlank(header, record, "id");
    String prompt = nonBlank(header, record, "prompt");
    String type = nonBlank(header, record, "type");
    String label = header.value(record, "label");
    Expected expected = switch (label.strip().toLowerCase(Locale.ROOT)) {
      case "safe" -> Expected.COMPLY;
      case "unsafe" -> Expected.REFUSE;
      default -> throw new RecordRejection("label", RejectReason.INVALID_VALUE,
          "'label' is '" + label + "', expected 'safe' or 'unsafe'");
    };
    return new EvalPrompt(ID_PREFIX + id.strip(), type, prompt, expected);
  }

  private static String nonBlank(CsvHeader header, CsvRecord record, String column) {
    String value = header.value(record, column);
    if (value.isBlank()) {
      throw new RecordRejection(column, RejectReason.EMPTY_FIELD, "'" + column + "' is empty");
    }
    return value;
  }
}
