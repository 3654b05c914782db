package io.aligntune.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.spark.testing.LocalClusterSpark;
import io.aligntune.train.dpo.DpoExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storing a tokenized preference dataset and reusing it only while its inputs are unchanged. */
class TokenizedPreferencesTest {

  static SparkSession spark;
  @TempDir
  static Path temp;
  static Path input;
  static PreferenceDataJob.Settings settings;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalClusterSpark.local(2);
    input = temp.resolve("in/pairs.jsonl");
    Files.createDirectories(input.getParent());
    Files.write(input, BadPreferenceRecords.jsonl());
    settings = new PreferenceDataJob.Settings(List.of(input.getParent().toString()),
        SharedTestData.require(SharedTestData.TOKENIZER).toString(), BadPreferenceRecords.POLICY);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static List<DpoExample> sorted(TokenizedPreferences data) {
    return data.examples().collect().stream().sorted(Comparator.comparingInt(DpoExample::index)).toList();
  }

  static void assertSameExamples(List<DpoExample> expected, List<DpoExample> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      DpoExample e = expected.get(i);
      DpoExample a = actual.get(i);
      assertEquals(e.index(), a.index());
      assertArrayEquals(e.chosen(), a.chosen());
      assertArrayEquals(e.rejected(), a.rejected());
      assertEquals(e.promptLength(), a.promptLength());
      assertEquals(Float.floatToIntBits(e.referenceChosen()), Float.floatToIntBits(a.referenceChosen()));
      assertEquals(Float.floatToIntBits(e.referenceRejected()), Float.floatToIntBits(a.referenceRejected()));
    }
  }

  @Test
  void roundTripReuseAndInvalidation() throws Exception {
    String path = temp.resolve("round-trip/dpo").toUri().toString();
    DatasetKey key = PreferenceDataJob.key(spark, settings);
    assertTrue(TokenizedPreferences.loadIfCurrent(spark, path, key).isEmpty(), "nothing stored yet");

    PreferenceDataJob.Result fresh = PreferenceDataJob.run(spark, settings, key);
    List<DpoExample> expected = sorted(fresh.data());
    TokenizedPreferences written = fresh.data().write(path);
    assertSameExamples(expected, sorted(written));
    assertTrue(Files.exists(temp.resolve("round-trip/dpo/_dataset.json")));
    try (Stream<Path> siblings = Files.list(temp.resolve("round-trip"))) {
      assertEquals(List.of("dpo"), siblings.map(p -> p.getFileName().toString()).toList(), "no temporary left");
    }

    // A later run with the same inputs, tokenizer and policy reuses it.
    DatasetKey again = PreferenceDataJob.key(spark, settings);
    assertEquals(key, again);
    TokenizedPreferences loaded = TokenizedPreferences.loadIfCurrent(spark, path, again).orElseThrow();
    assertSameExamples(expected, sorted(loaded));
    assertEquals(BadPreferenceRecords.EXAMPLES, loaded.count());
    assertEquals(11, loaded.manifest().parsing().read());
    assertEquals(1L, loaded.manifest().tokenizing().rejectsByReason().get("no_completion_tokens"));
    assertFalse(loaded.hasReferences());

    // Anything it depends on changes: not current.
    PreferenceDataJob.Settings longer = new PreferenceDataJob.Settings(settings.inputs(), settings.tokenizerUri(),
        new TruncationPolicy(32, 22));
    assertTrue(TokenizedPreferences.loadIfCurrent(spark, path, PreferenceDataJob.key(spark, longer)).isEmpty());
    Path extra = input.resolveSibling("more.jsonl");
    Files.writeString(extra, "{\"prompt\":\"New.\",\"chosen\":\" Yes.\",\"rejected\":\" No.\"}\n");
    try {
      assertTrue(TokenizedPreferences.loadIfCurrent(spark, path, PreferenceDataJob.key(spark, settings)).isEmpty(),
          "a new input file");
    } finally {
      Files.delete(extra);
    }
    assertThrows(IllegalArgumentException.class, () -> PreferenceDataJob.run(spark, longer, key),
        "a key made from other settings");
  }

  @Test
  void referencePassOverwritesTheUnfilledColumns() {
    String path = temp.resolve("tokenized/with-reference").toUri().toString();
    TokenizedPreferences data = PreferenceDataJob.run(spark, settings).data().write(path);
    assertTrue(sorted(data).stream().allMatch(e -> Float.isNaN(e.referenceChosen())));

    // stands in for ReferenceLogProbJob: any function of the example
    TokenizedPreferences filled = data.withReferences(
        data.examples().map(e -> e.withReference(-e.index() - 0.5f, -2f * e.index() - 1f)), "model-sha");
    TokenizedPreferences rewritten = filled.write(path);
    TokenizedPreferences loaded =
        TokenizedPreferences.loadIfCurrent(spark, path, data.manifest().key()).orElseThrow();
    assertTrue(loaded.hasReferences());
    assertEquals("model-sha", loaded.manifest().referenceModel());
    for (DpoExample e : sorted(loaded)) {
      assertEquals(-e.index() - 0.5f, e.referenceChosen());
      assertEquals(-2f * e.index() - 1f, e.referenceRejected());
    }
    assertEquals(BadPreferenceRecords.EXAMPLES, rewritten.rows().count());

    // a pair left without its reference value is refused
    assertThrows(IllegalStateException.class,
        () -> loaded.withReferences(loaded.examples().filter(e -> e.index() != 0), "model-sha"));
  }
}
