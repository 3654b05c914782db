package io.aligntune.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.spark.testing.LocalClusterSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files a job reads, in which order, and what it refuses. */
class InputFilesTest {

  static SparkSession spark;
  static JavaSparkContext jsc;
  @TempDir
  static Path temp;

  @BeforeAll
  static void start() {
    spark = LocalClusterSpark.local(2);
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void directoriesAreWalkedSkippingHiddenFilesAndGlobsExpand() throws Exception {
    Path dir = temp.resolve("walk");
    Files.createDirectories(dir.resolve("day=2/nested"));
    Files.writeString(dir.resolve("b.jsonl"), "{}\n");
    Files.writeString(dir.resolve("a.json"), "[]");
    Files.writeString(dir.resolve("day=2/nested/c.parquet"), "not really parquet");
    Files.writeString(dir.resolve("_SUCCESS"), "");
    Files.writeString(dir.resolve(".b.jsonl.crc"), "");
    List<InputFile> files = InputFiles.resolve(jsc, List.of(dir.toString(), dir.resolve("*.jsonl").toString()));
    String base = "file:" + dir.toAbsolutePath();
    assertEquals(List.of(base + "/a.json", base + "/b.jsonl", base + "/day=2/nested/c.parquet"),
        files.stream().map(InputFile::uri).toList(), "sorted, each once");
    assertEquals(List.of(InputFile.Container.JSON_TEXT, InputFile.Container.JSON_TEXT, InputFile.Container.PARQUET),
        files.stream().map(InputFile::container).toList());
    // sha256("{}\n")
    assertEquals("ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356", files.get(1).sha256());
  }

  @Test
  void unknownFilesAndEmptyMatchesFailTheJob() throws Exception {
    Path dir = temp.resolve("unknown");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("pairs.csv"), "a,b\n");
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> InputFiles.resolve(jsc, List.of(dir.toString())));
    assertTrue(unknown.getMessage().contains("pairs.csv"), unknown.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> InputFiles.resolve(jsc, List.of(dir.resolve("nothing-*.jsonl").toString())));
    Path empty = temp.resolve("empty");
    Files.createDirectories(empty);
    assertThrows(IllegalArgumentException.class, () -> InputFiles.resolve(jsc, List.of(empty.toString())));
  }

  @Test
  void aSchemeWithNoFileSystemNamesTheInputAndTheJar() {
    // the align and finetune commands resolve their data here, without the pipeline's up-front check
    String message = assertThrows(IllegalArgumentException.class,
        () -> InputFiles.resolve(jsc, List.of("nosuchfs://bucket/pairs.jsonl"))).getMessage();
    assertEquals("data input nosuchfs://bucket/pairs.jsonl: no Hadoop FileSystem for scheme 'nosuchfs' on the classpath"
        + " (add the jar that provides a FileSystem for it to the job's jars: spark-submit --jars or --packages)", message);
  }

  @Test
  void sparkFilePathsTakeTheResolvedForm() {
    assertEquals("file:/tmp/a b/x.parquet", InputFiles.sparkPathToUri("file:///tmp/a%20b/x.parquet"));
    assertEquals("file:/tmp/x.parquet", InputFiles.sparkPathToUri("file:/tmp/x.parquet"));
    assertEquals("hdfs://nn:8020/d/x.parquet", InputFiles.sparkPathToUri("hdfs://nn:8020/d/x.parquet"));
  }
}
