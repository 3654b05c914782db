package io.aligntune.core.data.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.SharedData;
import io.aligntune.core.data.StrictJson;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.io.JsonlSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Parses the real public preference files described in shared/data/SOURCES.md, sections 2. */
@Tag("real-data")
class RealPreferenceDataTest {

  static final String HH = "preferences/hh-rlhf_harmless-base_test.jsonl.gz";
  static final String ORCA = "preferences/orca_dpo_pairs_validation.jsonl";

  /** Reads a whole file, counting outcomes. */
  static List<Parsed<PreferencePair>> readAll(Path file, QuarantineReport report) throws Exception {
    List<Parsed<PreferencePair>> all = new ArrayList<>();
    try (Stream<Parsed<PreferencePair>> records =
        JsonlSource.read(file.toString(), Files.newInputStream(file), PreferenceRecordParser.autoDetect(ChatRenderer.plain()))) {
      records.forEach(parsed -> {
        report.add(parsed);
        all.add(parsed);
      });
    }
    return all;
  }

  @Test
  void anthropicHhHarmlessTestSplit() throws Exception {
    Path file = SharedData.require(HH);
    QuarantineReport report = new QuarantineReport();
    List<Parsed<PreferencePair>> all = readAll(file, report);

    assertEquals(2312, report.rowsRead());
    assertEquals(report.rowsRead(), report.rowsAccepted() + report.rowsRejected());
    report.checkConsistent();
    // Known quirks of this split (checked independently): five records whose transcripts diverge before
    // their last assistant turn, and four whose chosen answer is empty ("\n\nAssistant: " at the end).
    Map<Long, String> rejects = new TreeMap<>();
    all.stream().map(Parsed::rejectOrNull).filter(r -> r != null)
        .forEach(r -> rejects.put(r.line(), r.field() + " " + r.reason().code()));
    assertEquals(Map.of(
        87L, "chosen empty_field", 517L, "chosen empty_field", 926L, "chosen empty_field", 1104L, "chosen empty_field",
        1255L, "rejected prompt_not_shared", 1689L, "rejected prompt_not_shared", 1951L, "rejected prompt_not_shared",
        1953L, "rejected prompt_not_shared", 2037L, "rejected prompt_not_shared"), rejects);
    assertEquals(2303, report.rowsAccepted());
    assertEquals(5, report.rejected(RejectReason.PROMPT_NOT_SHARED));

    // Splitting loses nothing: prompt + completion is the original transcript, for every accepted record.
    List<JsonNode> originals = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        originals.add(StrictJson.parse(line));
      }
    }
    for (Parsed<PreferencePair> parsed : all) {
      for (PreferencePair pair : parsed.values()) {
        JsonNode original = originals.get((int) pair.line() - 1);
        assertEquals(original.get("chosen").textValue(), pair.prompt() + pair.chosen());
        assertEquals(original.get("rejected").textValue(), pair.prompt() + pair.rejected());
        assertTrue(pair.prompt().endsWith("\n\nAssistant:"));
      }
    }

    PreferencePair first = all.get(0).values().get(0);
    assertTrue(first.prompt().startsWith("\n\nHuman: what are some pranks with a pen i can do?"));
    assertEquals(" No, sorry!  All of these involve a pen, the point is that you can get funny results by doing pranks with pens.",
        first.chosen());
    assertEquals(file + ":1", first.id());
  }

  @Test
  void orcaDpoPairsInOpenAiPreferenceFormat() throws Exception {
    Path file = SharedData.require(ORCA);
    QuarantineReport report = new QuarantineReport();
    List<Parsed<PreferencePair>> all = readAll(file, report);
    assertEquals(284, report.rowsRead());
    assertEquals(284, report.rowsAccepted(), String.valueOf(report));
    report.checkConsistent();

    PreferencePair first = all.get(0).values().get(0);
    assertTrue(first.prompt().startsWith("system: You are an AI assistant. User will you give you a task."), first.prompt());
    assertTrue(first.prompt().contains("\nuser: MM. Georges Colombier, Samad Seyidov"));
    assertTrue(first.prompt().endsWith("\nassistant:"));
    assertTrue(first.chosen().startsWith(" Step 1: Identify the names and phrases"));
    assertTrue(first.rejected().startsWith(" Sure, I'd be happy to help!"));
  }
}
