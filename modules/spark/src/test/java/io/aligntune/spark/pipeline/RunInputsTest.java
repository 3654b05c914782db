package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.config.AlignTuneConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every input the config names is checked before any phase runs, and hashed as the manifest records it. */
class RunInputsTest {

  static AlignTuneConfig config(Path dir, String sft, String suite, String alignData) {
    return AlignTuneConfig.parse("inputs.yaml", String.join("\n",
        "run: {id: r1, output_dir: '" + dir.resolve("runs") + "', date: '2026-12-01'}",
        "evaluation:",
        "  suites: [{path: '" + suite + "', format: jsonl}]",
        "  held_out_text: '" + dir.resolve("text.txt") + "'",
        "align: {data: ['" + alignData + "']}",
        "finetune: {data: ['" + sft + "']}",
        ""));
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void everyMissingPathIsReportedWithItsFieldBeforeAnyPhaseRuns(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("text.txt"), "some text\n");
    AlignTuneConfig c = config(dir, dir.resolve("missing-sft.jsonl").toString(), dir.resolve("no-suite.jsonl").toString(),
        dir.resolve("prefs-*.jsonl").toString());
    String m = assertThrows(RunInputs.MissingInputsException.class, () -> RunInputs.check(c)).getMessage();
    assertTrue(m.contains("3 input path(s)"), m);
    assertTrue(m.contains("finetune.data[0]: " + dir.resolve("missing-sft.jsonl") + " (not found)"), m);
    assertTrue(m.contains("evaluation.suites[0].path: " + dir.resolve("no-suite.jsonl")), m);
    assertTrue(m.contains("align.data[0]: " + dir.resolve("prefs-*.jsonl") + " (the pattern matches no file)"), m);
    assertFalse(m.contains("held_out_text"), "the text exists: " + m);

    // the pipeline refuses before anything: no Spark session is needed and no run folder is created
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    assertThrows(RunInputs.MissingInputsException.class,
        () -> PipelineJob.run(null, c, new PrintStream(log, true, StandardCharsets.UTF_8)));
    assertFalse(Files.exists(dir.resolve("runs")), "nothing ran");
    assertEquals("", log.toString(StandardCharsets.UTF_8));
  }

  @Test
  void anEmptyFolderIsReportedAsAFolderWithNoDataNotAsMissing(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("text.txt"), "some text\n");
    Files.writeString(dir.resolve("suite.jsonl"), "{}\n");
    Files.writeString(dir.resolve("sft.jsonl"), "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
    Path folder = Files.createDirectories(dir.resolve("prefs"));
    Files.writeString(folder.resolve("_SUCCESS"), ""); // a marker file is not data
    String m = assertThrows(RunInputs.MissingInputsException.class, () -> RunInputs.check(config(dir,
        dir.resolve("sft.jsonl").toString(), dir.resolve("suite.jsonl").toString(), folder.toString()))).getMessage();
    assertTrue(m.contains("align.data[0]: " + folder + " (a folder with no data file in it)"), m);
  }

  @Test
  void emptyTrainingDataIsRefusedNamingTheFieldAndFileBeforeAnyPhaseRuns(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("text.txt"), "some text\n");
    Files.writeString(dir.resolve("suite.jsonl"), "{}\n");
    Files.writeString(dir.resolve("sft.jsonl"), ""); // 0 bytes
    Files.writeString(dir.resolve("prefs.jsonl"), "\n  \n\t\r\n"); // only blank lines
    AlignTuneConfig c = config(dir, dir.resolve("sft.jsonl").toString(), dir.resolve("suite.jsonl").toString(),
        dir.resolve("prefs.jsonl").toString());
    String m = assertThrows(RunInputs.EmptyInputsException.class, () -> RunInputs.check(c)).getMessage();
    assertTrue(m.contains("2 training data input(s) hold no record"), m);
    assertTrue(m.contains("finetune.data[0]: " + dir.resolve("sft.jsonl") + " is empty"), m);
    assertTrue(m.contains("align.data[0]: " + dir.resolve("prefs.jsonl") + " is empty"), m);

    ByteArrayOutputStream log = new ByteArrayOutputStream();
    assertThrows(RunInputs.EmptyInputsException.class,
        () -> PipelineJob.run(null, c, new PrintStream(log, true, StandardCharsets.UTF_8)));
    assertFalse(Files.exists(dir.resolve("runs")), "nothing ran, evaluate_base included");
    assertEquals("", log.toString(StandardCharsets.UTF_8));

    // one record anywhere is enough; a glob whose every file is blank is refused as a whole
    Files.writeString(dir.resolve("sft.jsonl"), "\n{\"prompt\": \"a\", \"completion\": \"b\"}\n");
    Files.writeString(dir.resolve("prefs-2.jsonl"), "");
    String glob = dir.resolve("prefs*.jsonl").toString();
    String g = assertThrows(RunInputs.EmptyInputsException.class, () -> RunInputs.check(config(dir,
        dir.resolve("sft.jsonl").toString(), dir.resolve("suite.jsonl").toString(), glob))).getMessage();
    assertTrue(g.contains("1 training data input(s)") && g.contains("align.data[0]: " + glob + ": all 2 matched file(s)"),
        g);
    Files.writeString(dir.resolve("prefs-2.jsonl"), "{\"x\": 1}\n");
    assertEquals(2, RunInputs.check(config(dir, dir.resolve("sft.jsonl").toString(), dir.resolve("suite.jsonl").toString(),
        glob)).all().get(glob).files().size());
  }

  @Test
  void aSchemeWithNoFileSystemOnTheClasspathNamesTheFieldAndTheJar(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("text.txt"), "some text\n");
    Files.writeString(dir.resolve("suite.jsonl"), "{}\n");
    // a made-up scheme: Hadoop knows no FileSystem for it at all
    AlignTuneConfig madeUp = config(dir, "nosuchfs://bucket/sft.jsonl", dir.resolve("suite.jsonl").toString(),
        dir.resolve("missing-prefs.jsonl").toString());
    String m = assertThrows(RunInputs.MissingInputsException.class, () -> RunInputs.check(madeUp)).getMessage();
    assertTrue(m.contains("finetune.data[0] nosuchfs://bucket/sft.jsonl: no Hadoop FileSystem for scheme 'nosuchfs' on the"
        + " classpath (add the jar that provides a FileSystem for it"), m);
    assertTrue(m.contains("align.data[0]: " + dir.resolve("missing-prefs.jsonl") + " (not found)"), "reported together: " + m);
    assertFalse(m.contains("Exception"), m);

    // s3a: Hadoop's defaults name S3AFileSystem, whose jar (hadoop-aws) the build does not ship
    boolean hasAws;
    try {
      Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem");
      hasAws = true;
    } catch (ClassNotFoundException e) {
      hasAws = false;
    }
    org.junit.jupiter.api.Assumptions.assumeFalse(hasAws, "hadoop-aws is on the test classpath, so s3a has a FileSystem");
    AlignTuneConfig s3 = config(dir, "s3a://bucket/sft.jsonl", dir.resolve("suite.jsonl").toString(),
        dir.resolve("text.txt").toString());
    String s3Message = assertThrows(RunInputs.MissingInputsException.class, () -> RunInputs.check(s3)).getMessage();
    assertTrue(s3Message.contains("finetune.data[0] s3a://bucket/sft.jsonl: no Hadoop FileSystem for scheme 's3a' on the"
        + " classpath (add hadoop-aws"), s3Message);
    assertFalse(s3Message.contains("ClassNotFoundException"), s3Message);
    String direct = assertThrows(io.aligntune.spark.io.HadoopFiles.MissingFileSystemException.class,
        () -> io.aligntune.spark.io.HadoopFiles.contentHash("s3a://bucket/model.bin")).getMessage();
    assertTrue(direct.startsWith("s3a://bucket/model.bin: no Hadoop FileSystem for scheme 's3a'"), direct);
  }

  @Test
  void filesAreHashedByContentAndGlobsOverEveryMatchedFile(@TempDir Path dir) throws Exception {
    byte[] sft = "{\"prompt\": \"a\", \"completion\": \"b\"}\n".getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("sft.jsonl"), sft);
    Files.writeString(dir.resolve("suite.jsonl"), "{}\n");
    Files.writeString(dir.resolve("text.txt"), "some text\n");
    Files.writeString(dir.resolve("prefs-1.jsonl"), "{\"x\": 1}\n");
    Files.writeString(dir.resolve("prefs-2.jsonl"), "{\"x\": 2}\n");
    String glob = dir.resolve("prefs-*.jsonl").toString();
    AlignTuneConfig c = config(dir, dir.resolve("sft.jsonl").toString(), dir.resolve("suite.jsonl").toString(), glob);
    RunInputs inputs = RunInputs.check(c);
    assertEquals("sha256:" + sha256(sft), inputs.hash(dir.resolve("sft.jsonl").toString()), "a file: sha256sum of its bytes");
    RunInputs.Input set = inputs.all().get(glob);
    assertEquals(2, set.files().size(), set.toString());
    assertEquals("sha256:" + set.sha256(), inputs.hash(glob));
    assertTrue(set.sha256().matches("[0-9a-f]{64}"), set.sha256());

    // a third matching file changes the glob's hash
    Files.writeString(dir.resolve("prefs-3.jsonl"), "{\"x\": 3}\n");
    RunInputs more = RunInputs.check(c);
    assertEquals(3, more.all().get(glob).files().size());
    assertNotEquals(inputs.hash(glob), more.hash(glob));
  }
}
