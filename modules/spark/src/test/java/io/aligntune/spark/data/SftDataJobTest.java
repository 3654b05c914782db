package io.aligntune.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.tokenize.TokenizedSequence;
import io.aligntune.core.data.tokenize.TruncationPolicy;
import io.aligntune.spark.testing.LocalClusterSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SFT data job on local[2]: the real Alpaca array file, and a JSON array that breaks halfway. */
class SftDataJobTest {

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

  @Test
  @Tag("real-data")
  void alpacaArrayFileWithHeldOutSplit() {
    Path alpaca = SharedTestData.require(SharedTestData.ALPACA);
    TruncationPolicy policy = new TruncationPolicy(256, 192);
    SftDataJob.Result result = SftDataJob.run(spark,
        new SftDataJob.Settings(List.of(alpaca.toString()), tokenizer(), policy));
    assertEquals(1000, result.report().recordsRead());
    assertEquals(1000, result.report().examples(), result.report().toString());
    assertEquals(0, result.report().rejectedTotal(), "the job checked the rejects table has as many rows");

    List<Row> rows = result.data().rows().orderBy("index").collectAsList();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      assertEquals(i, row.getLong(0));
      assertEquals(i, row.getLong(4), "one array file, all kept: index = 0-based element index");
    }
    for (TokenizedSequence sequence : result.data().sequences().collect()) {
      assertTrue(sequence.length() <= policy.maxLength());
      assertEquals(1, sequence.id(0));
      assertEquals(2, sequence.id(sequence.length() - 1));
      assertTrue(sequence.isSupervised(sequence.length() - 1), "the closing EOS is trained on");
      assertFalse(sequence.isSupervised(1), "the Alpaca prompt is context");
    }

    HeldOutSplit split = new HeldOutSplit(0.10, 17);
    List<Long> validation = indexes(split.validation(result.data().rows()));
    List<Long> training = indexes(split.training(result.data().rows()));
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 1000; i++) {
      if (split.isHeldOut(i)) {
        expected.add(i);
      }
    }
    assertEquals(expected, validation, "a pure function of the index: the same on Spark and here");
    Set<Long> all = new HashSet<>(validation);
    all.addAll(training);
    assertEquals(1000, all.size(), "together they cover the dataset");
    assertEquals(1000, validation.size() + training.size(), "and are disjoint");
    assertTrue(validation.size() > 60 && validation.size() < 140, "about 10%: " + validation.size());
  }

  @Test
  void jsonArrayThatBreaksKeepsWhatCameBefore() throws Exception {
    Path file = temp.resolve("sft.json");
    Files.writeString(file, """
          [
          {"instruction": "Say hi.", "input": "", "output": "Hi!"},
          {"prompt": "Q?", "completion": ""},
          {"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hello to you."}]},
          {"text": "Once upon a time."},
          {"instruction": "Broken", "output": "x"} {"text": "never read"}
          ]
        """, StandardCharsets.UTF_8);
    SftDataJob.Result result = SftDataJob.run(spark,
        new SftDataJob.Settings(List.of(file.toString()), tokenizer(), new TruncationPolicy(64, 48)));
    assertEquals(6, result.report().recordsRead(), result.report().toString());
    assertEquals(4, result.report().examples(), result.report().toString());
    assertEquals(1, result.report().rejected(RejectReason.EMPTY_FIELD));
    assertEquals(1, result.report().rejected(RejectReason.MALFORMED_JSON));
    List<String> rejects = result.rejects().orderBy("line").collectAsList().stream()
        .map(r -> r.getLong(1) + " " + r.getString(3) + " " + r.getString(2)).toList();
    assertEquals(List.of("1 empty_field completion", "5 malformed_json "), rejects,
        "0-based element indexes; a syntax error (no comma after element 4) ends the array");
  }

  static List<Long> indexes(org.apache.spark.sql.Dataset<Row> rows) {
    return rows.orderBy("index").select("index").collectAsList().stream().map(r -> r.getLong(0)).toList();
  }
}
