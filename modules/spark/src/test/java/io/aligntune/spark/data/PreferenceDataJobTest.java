package io.aligntune.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.preference.PreferenceFormat;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.tokenizer.Tokenizers;
import io.aligntune.spark.tables.WarehouseTables;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.dpo.DpoExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The preference data job on local[2]: real public files, and a file with one record of each fault. */
class PreferenceDataJobTest {

  static SparkSession spark;
  @TempDir
  static Path temp;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static String tokenizer() {
    return SharedTestData.require(SharedTestData.TOKENIZER).toString();
  }

  static List<DpoExample> byIndex(PreferenceDataJob.Result result) {
    return result.data().examples().collect().stream().sorted(Comparator.comparingInt(DpoExample::index)).toList();
  }

  /** reason code → "line field stage" of every reject, for exact comparison. */
  static Map<Long, String> rejectsByLine(PreferenceDataJob.Result result) {
    Map<Long, String> byLine = new TreeMap<>();
    for (Row row : result.rejects().collectAsList()) {
      String previous = byLine.put(row.getLong(1),
          row.getString(3) + " " + row.getString(2) + " " + row.getString(5));
      assertEquals(null, previous, "one reject per line here: " + row);
    }
    return byLine;
  }

  @Test
  @Tag("real-data")
  void anthropicHhWithShortSequences() {
    Path hh = SharedTestData.require(SharedTestData.HH);
    // max_prompt_length 62 of 64 leaves one token after a cut prompt, which EOS takes: such pairs have no
    // completion left; prompts that fit leave a few tokens, where answers that start alike become identical.
    TruncationPolicy policy = new TruncationPolicy(64, 62);
    PreferenceDataJob.Result result = PreferenceDataJob.run(spark,
        new PreferenceDataJob.Settings(List.of(hh.toString()), tokenizer(), policy));
    PreparationReport report = result.report();

    assertEquals(2312, report.recordsRead());
    assertEquals(report.parsing().rowsRead(), report.parsing().rowsAccepted() + report.parsing().rowsRejected());
    assertEquals(2303, report.parsing().rowsAccepted());
    assertEquals(report.parsing().valuesProduced(), report.tokenizing().rowsRead());
    assertEquals(report.tokenizing().rowsRead(),
        report.tokenizing().rowsAccepted() + report.tokenizing().rowsRejected());
    assertTrue(report.rejected(RejectReason.NO_COMPLETION_TOKENS) > 0, report.toString());
    assertTrue(report.rejected(RejectReason.IDENTICAL_AFTER_TRUNCATION) > 0, report.toString());

    // Core's parser found these quirks of the split; the job reports them with their real line numbers.
    Map<Long, String> parseRejects = new TreeMap<>();
    for (Row row : result.rejects().collectAsList()) {
      if (!row.getString(5).equals("parse")) {
        continue;
      }
      parseRejects.put(row.getLong(1), row.getString(2) + " " + row.getString(3));
      assertEquals("file:" + hh.toAbsolutePath().normalize(), row.getString(0));
    }
    assertEquals(Map.of(
        87L, "chosen empty_field", 517L, "chosen empty_field", 926L, "chosen empty_field", 1104L, "chosen empty_field",
        1255L, "rejected prompt_not_shared", 1689L, "rejected prompt_not_shared", 1951L, "rejected prompt_not_shared",
        1953L, "rejected prompt_not_shared", 2037L, "rejected prompt_not_shared"), parseRejects);

    List<DpoExample> examples = byIndex(result);
    assertEquals(report.examples(), examples.size());
    assertTrue(examples.size() > 100, "enough pairs survive to be a test: " + examples.size());
    for (int i = 0; i < examples.size(); i++) {
      DpoExample e = examples.get(i);
      assertEquals(i, e.index(), "indexes are dense");
      for (int[] sequence : List.of(e.chosen(), e.rejected())) {
        assertTrue(sequence.length <= policy.maxLength());
        assertEquals(1, sequence[0], "BOS at 0");
        for (int t = 1; t < sequence.length; t++) {
          assertNotEquals(1, sequence[t], "exactly one BOS, example " + i);
        }
        assertEquals(2, sequence[sequence.length - 1], "EOS last");
        for (int t = 0; t < sequence.length - 1; t++) {
          assertNotEquals(2, sequence[t], "EOS only last, example " + i);
        }
      }
      assertArrayEquals(Arrays.copyOf(e.chosen(), e.promptLength()), Arrays.copyOf(e.rejected(), e.promptLength()));
      assertFalse(Arrays.equals(e.chosen(), e.rejected()));
      assertTrue(Float.isNaN(e.referenceChosen()) && Float.isNaN(e.referenceRejected()), "reference unfilled");
    }

    // The rejects table, as an analyst reads it: counts per reason equal the report's.
    String warehouse = temp.resolve("warehouse").toUri().toString();
    WarehouseTables.write(result.rejects(), warehouse, WarehouseTables.REJECTS, "2024-06-01", "dpo_data", "hh-64");
    spark.read().parquet(WarehouseTables.location(warehouse, WarehouseTables.REJECTS)).createOrReplaceTempView("rejects");
    Map<RejectReason, Long> fromSql = new EnumMap<>(RejectReason.class);
    for (Row row : spark.sql("SELECT reason, count(*) AS n FROM rejects WHERE run_id = 'hh-64' "
        + "AND run_date = '2024-06-01' GROUP BY reason").collectAsList()) {
      fromSql.put(RejectReason.fromCode(row.getString(0)), row.getLong(1));
    }
    assertEquals(report.rejectsByReason(), fromSql);
    assertEquals(9, spark.sql("SELECT * FROM rejects WHERE stage = 'parse'").count());
  }

  @Test
  void llama2cTokenizerNeverEncodesSpecialIds() throws Exception {
    Tokenizer tok = Tokenizers.load(Path.of(tokenizer()));
    // The llama2.c vocabulary holds BOS and EOS as the pieces "\n<s>\n" and "\n</s>\n"; text that spells them
    // must still not produce their ids, or "exactly one BOS" would depend on the data.
    for (String text : List.of("\n<s>\n", "\n</s>\n", "a\n<s>\nb</s>", "<s>", "<unk>")) {
      for (int[] ids : List.of(tok.encode(text), tok.encodeContinuation(text))) {
        for (int id : ids) {
          assertTrue(id > 2, "'" + text + "' encodes to special id " + id + ": " + Arrays.toString(ids));
        }
      }
    }
  }

  @Test
  @Tag("real-data")
  void orcaPairsInPreferredOutputFormat() {
    Path orca = SharedTestData.require(SharedTestData.ORCA);
    PreferenceDataJob.Result result = PreferenceDataJob.run(spark, new PreferenceDataJob.Settings(
        List.of(orca.toString()), tokenizer(), new TruncationPolicy(512, 384), PreferenceFormat.PREFERRED_OUTPUT));
    assertEquals(284, result.report().recordsRead());
    assertEquals(284, result.report().parsing().rowsAccepted(), result.report().toString());
    assertEquals(284, result.report().examples(), result.report().toString());
    assertEquals(0, result.rejects().count());
  }

  /**
   * Chat-form pairs through the Llama 3 chat template of a real tokenizer_config.json. The expected prompt
   * texts are written out by hand from reading that template: per message {@code <|start_header_id|>role
   * <|end_header_id|>\n\n content <|eot_id|>}, BOS text before the first, and always a trailing assistant
   * header (this early Llama 3 template ignores add_generation_prompt; ForcedGenerationPromptGuard removes
   * the header it forces after an answer). The job drops the template's BOS text and places the BOS id
   * itself, so BOS appears once.
   */
  @Test
  @Tag("real-data")
  void chatPairsAreRenderedWithTheLlama3Template() throws Exception {
    Path llama3 = SharedTestData.require(SharedTestData.LLAMA3);
    Path file = temp.resolve("chat/pairs.jsonl");
    Files.createDirectories(file.getParent());
    Files.write(file, List.of(
        "{\"messages\": [{\"role\": \"system\", \"content\": \"You are terse.\"}, "
            + "{\"role\": \"user\", \"content\": \"Name a colour.\"}], "
            + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"Blue.\"}], "
            + "\"rejected\": [{\"role\": \"assistant\", \"content\": \"I will not.\"}]}",
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\", \"content\": \"4\"}, "
            + "{\"role\": \"user\", \"content\": \"And 3+3?\"}], \"chosen\": \"6\", \"rejected\": \"7\"}"));
    String header = "<|start_header_id|>%s<|end_header_id|>\n\n";
    String assistantHeader = header.formatted("assistant");
    List<String> expectedPrompts = List.of(
        header.formatted("system") + "You are terse.<|eot_id|>" + header.formatted("user") + "Name a colour.<|eot_id|>"
            + assistantHeader,
        header.formatted("user") + "2+2?<|eot_id|>" + assistantHeader + "4<|eot_id|>" + header.formatted("user")
            + "And 3+3?<|eot_id|>" + assistantHeader);
    List<List<String>> expectedAnswers = List.of(List.of("Blue.", "I will not."), List.of("6", "7"));

    PreferenceDataJob.Result result = PreferenceDataJob.run(spark, new PreferenceDataJob.Settings(
        List.of(file.toString()), llama3.toString(), new TruncationPolicy(256, 192), PreferenceFormat.CHAT));
    assertEquals(0, result.rejects().count(), result.report().toString());
    List<DpoExample> examples = byIndex(result);
    assertEquals(2, examples.size());

    try (io.aligntune.model.tokenizer.HfTokenizer tok = io.aligntune.model.tokenizer.HfTokenizer.load(llama3)) {
      int bos = tok.bosId();
      int eos = tok.eosId();
      int startHeader = tok.encode("<|start_header_id|>")[0];
      int endHeader = tok.encode("<|end_header_id|>")[0];
      int endOfTurn = tok.encode("<|eot_id|>")[0];
      assertEquals(List.of(128000, 128001, 128006, 128007, 128009), List.of(bos, eos, startHeader, endHeader, endOfTurn),
          "the Llama 3 special ids, one token each");
      for (int i = 0; i < examples.size(); i++) {
        DpoExample e = examples.get(i);
        int[] prompt = Arrays.copyOf(e.chosen(), e.promptLength());
        assertArrayEquals(prompt, Arrays.copyOf(e.rejected(), e.promptLength()), "prompt ids shared, example " + i);
        int[] expected = concat(new int[] {bos}, tok.encode(expectedPrompts.get(i)));
        assertArrayEquals(expected, prompt, "example " + i + " prompt: " + Arrays.toString(prompt));
        long headers = Arrays.stream(prompt).filter(id -> id == startHeader).count();
        assertEquals(expectedPrompts.get(i).split("<\\|start_header_id\\|>", -1).length - 1, headers);
        assertEquals(headers, Arrays.stream(prompt).filter(id -> id == endHeader).count());
        for (int s = 0; s < 2; s++) {
          int[] sequence = s == 0 ? e.chosen() : e.rejected();
          assertEquals(bos, sequence[0], "BOS at 0, example " + i);
          assertEquals(1, Arrays.stream(sequence).filter(id -> id == bos).count(), "exactly one BOS, example " + i);
          assertEquals(eos, sequence[sequence.length - 1], "EOS last, example " + i);
          assertEquals(1, Arrays.stream(sequence).filter(id -> id == eos).count(), "EOS only last, example " + i);
          // the completion is the answer closed by <|eot_id|>, which the model must learn to emit, and
          // not the assistant header this template forces after it (the model would learn to open a new turn)
          int[] completion = Arrays.copyOfRange(sequence, e.promptLength(), sequence.length - 1);
          assertArrayEquals(tok.encode(expectedAnswers.get(i).get(s) + "<|eot_id|>"), completion,
              "example " + i + (s == 0 ? " chosen" : " rejected") + ": " + tok.decode(completion));
        }
      }
    }
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void everyFaultGetsItsReasonFieldAndLine() throws Exception {
    Path file = temp.resolve("bad/pairs.jsonl");
    Files.createDirectories(file.getParent());
    Files.write(file, BadPreferenceRecords.jsonl());
    PreferenceDataJob.Result result = PreferenceDataJob.run(spark, new PreferenceDataJob.Settings(
        List.of(file.toString()), tokenizer(), BadPreferenceRecords.POLICY));

    Map<Long, String> expected = new TreeMap<>();
    for (int i = 0; i < BadPreferenceRecords.LINES.size(); i++) {
      BadPreferenceRecords.Line line = BadPreferenceRecords.LINES.get(i);
      if (line.reason() != null) {
        expected.put(i + 1L, line.reason().code() + " " + line.field() + " " + line.stage().code());
      }
    }
    assertEquals(expected, rejectsByLine(result));
    assertEquals("malformed_json  parse", rejectsByLine(result).get(3L), "malformed JSON reported at line 3");

    PreparationReport report = result.report();
    assertEquals(11, report.recordsRead(), "12 lines, one blank (not a record)");
    assertEquals(1, report.blankLinesSkipped(), "the blank line is not a record, but it is counted");
    assertTrue(report.describe("pairs").endsWith("; 1 blank line skipped"), report.describe("pairs"));
    DatasetManifest stored = DatasetManifest.fromJson(result.data().manifest().toJson());
    assertEquals(1, stored.parsing().blankLines(), "kept in the stored dataset's sidecar");
    assertEquals(5, report.parsing().rowsAccepted());
    assertEquals(6, report.parsing().valuesProduced(), "the ranked record yields two pairs");
    assertEquals(6, report.tokenizing().rowsRead());
    assertEquals(BadPreferenceRecords.EXAMPLES, report.examples());
    for (RejectReason reason : List.of(RejectReason.MALFORMED_JSON, RejectReason.INVALID_UTF8,
        RejectReason.MISSING_FIELD, RejectReason.EMPTY_FIELD, RejectReason.IDENTICAL_CHOSEN_REJECTED,
        RejectReason.IDENTICAL_AFTER_TRUNCATION, RejectReason.NO_COMPLETION_TOKENS, RejectReason.NO_PAIRS)) {
      assertEquals(1, report.rejected(reason), reason.code());
    }

    List<Row> kept = result.data().rows().orderBy("index").collectAsList();
    assertEquals(List.of("0 1 0", "1 2 0", "2 2 1", "3 12 0"),
        kept.stream().map(r -> r.getLong(0) + " " + r.getLong(7) + " " + r.getInt(8)).toList());
  }

  @Test
  void parquetRowsGetTheSameReasonsWithRowIndexes() throws Exception {
    List<BadPreferenceRecords.Line> rows = BadPreferenceRecords.parquetRows();
    String dir = temp.resolve("bad-parquet").toUri().toString();
    spark.read().json(spark.createDataset(rows.stream().map(BadPreferenceRecords.Line::text).toList(),
        Encoders.STRING())).coalesce(1).write().parquet(dir);

    PreferenceDataJob.Result result = PreferenceDataJob.run(spark, new PreferenceDataJob.Settings(
        List.of(dir), tokenizer(), BadPreferenceRecords.POLICY));

    Map<Long, String> expected = new TreeMap<>();
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).reason() != null) {
        expected.put((long) i, rows.get(i).reason().code() + " " + rows.get(i).field() + " " + rows.get(i).stage().code());
      }
    }
    assertEquals(expected, rejectsByLine(result));
    assertEquals(rows.size(), result.report().recordsRead());
    assertEquals(BadPreferenceRecords.EXAMPLES, result.report().examples());
    Map<String, Long> files = new HashMap<>();
    result.rejects().collectAsList().forEach(r -> files.merge(r.getString(0), 1L, Long::sum));
    assertEquals(1, files.size());
    String source = files.keySet().iterator().next();
    assertTrue(source.startsWith("file:/") && source.endsWith(".parquet") && !source.startsWith("file:///"), source);

    // Same pairs as from JSONL, in the same order.
    List<Row> kept = result.data().rows().orderBy("index").collectAsList();
    assertEquals(List.of("0 0 0", "1 1 0", "2 1 1", "3 8 0"),
        kept.stream().map(r -> r.getLong(0) + " " + r.getLong(7) + " " + r.getInt(8)).toList());
  }
}
