package io.aligntune.core.data.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.SharedData;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.io.JsonArraySource;
import io.aligntune.core.data.sft.SftExample.Segment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Parses the real Alpaca 1k subset described in shared/data/SOURCES.md, section 3 (one JSON array). */
@Tag("real-data")
class RealSftDataTest {

  @Test
  void alpacaOneThousand() throws Exception {
    Path file = SharedData.require("sft/alpaca_data_1k.json");
    QuarantineReport report = new QuarantineReport();
    List<SftExample> examples;
    try (Stream<Parsed<SftExample>> records = JsonArraySource.read(file.toString(), Files.newInputStream(file),
        new SftRecordParser(SftFormat.AUTO, ChatRenderer.plain()))) {
      examples = records.peek(report::add).flatMap(p -> p.values().stream()).toList();
    }
    assertEquals(1000, report.rowsRead());
    assertEquals(1000, report.rowsAccepted(), String.valueOf(report));
    report.checkConsistent();
    assertEquals(608, examples.stream().filter(e -> !e.segments().get(0).text().contains("### Input:")).count(),
        "608 records have an empty input");
    assertEquals(0, examples.get(0).line());
    assertEquals(999, examples.get(999).line(), "JSON array positions are 0-based element indexes");
    assertEquals(Segment.supervised("They walked to a nearby store."), examples.get(0).segments().get(1));
    assertTrue(examples.get(1).segments().get(0).text().endsWith(
        "### Instruction:\nRewrite the following sentence to use a passive voice instead.\n\n"
            + "### Input:\nThe president delivered a speech yesterday.\n\n### Response:"));
  }
}
