package io.aligntune.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuarantineReportTest {

  private static Parsed<String> reject(RejectReason reason) {
    return Parsed.rejected(new Reject("f", 1, "", reason, "why"));
  }

  @Test
  void countsRowsAndValuesApart() {
    QuarantineReport report = new QuarantineReport()
        .add(Parsed.accepted("a"))
        .add(Parsed.accepted(List.of("b", "c", "d")))
        .add(reject(RejectReason.MISSING_FIELD))
        .add(reject(RejectReason.MISSING_FIELD))
        .add(reject(RejectReason.NO_PAIRS));
    assertEquals(5, report.rowsRead());
    assertEquals(2, report.rowsAccepted());
    assertEquals(3, report.rowsRejected());
    assertEquals(4, report.valuesProduced());
    assertEquals(2, report.rejected(RejectReason.MISSING_FIELD));
    assertEquals(0, report.rejected(RejectReason.INVALID_UTF8));
    assertEquals(Map.of(RejectReason.MISSING_FIELD, 2L, RejectReason.NO_PAIRS, 1L), report.rejectsByReason());
    assertTrue(report.isConsistent());
    report.checkConsistent();
    assertEquals("5 records read, 2 kept, 3 rejected (" + RejectReason.MISSING_FIELD.code() + ": 2, "
        + RejectReason.NO_PAIRS.code() + ": 1)", report.describe());
    assertEquals("0 records read, 0 kept, 0 rejected; 2 blank lines skipped",
        new QuarantineReport().addBlankLines(2).describe());
  }

  @Test
  void mergeEqualsOneReportOverAllRows() {
    List<Parsed<String>> rows = List.of(Parsed.accepted("a"), reject(RejectReason.EMPTY_FIELD),
        Parsed.accepted(List.of("b", "c")), reject(RejectReason.WRONG_TYPE), reject(RejectReason.EMPTY_FIELD));
    QuarantineReport whole = new QuarantineReport();
    rows.forEach(whole::add);
    QuarantineReport left = new QuarantineReport();
    QuarantineReport right = new QuarantineReport();
    rows.subList(0, 2).forEach(left::add);
    rows.subList(2, 5).forEach(right::add);
    assertEquals(whole, left.merge(right));
    assertEquals(whole, new QuarantineReport().merge(whole));
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    QuarantineReport report = new QuarantineReport().add(Parsed.accepted("a")).add(reject(RejectReason.NO_PAIRS));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(report);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(report, in.readObject());
    }
  }

  @Test
  void acceptedRecordNeedsAValue() {
    assertThrows(IllegalArgumentException.class, () -> Parsed.accepted(List.of()));
  }
}
