package io.aligntune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aligntune.model.ModelBundle;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code aligntune convert} of the real stories260K checkpoint to a Hugging Face directory. */
class ConvertCommandTest {

  @TempDir Path dir;

  private Path convert(String dtype) {
    Path output = dir.resolve("stories260K-" + dtype);
    CliRun run = CliRun.of("convert", "--model", Stories260k.checkpoint().toString(), "--output", output.toString(),
        "--dtype", dtype);
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.err().startsWith("aligntune convert: wrote " + output), run.err());
    return output;
  }

  /** Logits [40, vocab] of a fixed 40-token sequence (BOS + the start of llama2.c's greedy story). */
  private static float[] logits(LoadedWeights weights) throws IOException {
    ModelBundle reference = ModelBundle.open(Stories260k.checkpoint(), null);
    int[] text = reference.tokenizer().encode("Once upon a time, there was a little girl named Lily. She loved to"
        + " play outside in the park. One day, she saw a big, red ball. She wanted to play with it.");
    long[] ids = new long[40];
    ids[0] = reference.tokenizer().bosId();
    for (int i = 1; i < ids.length; i++) {
      ids[i] = text[i - 1];
    }
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = LlamaModel.create(manager, weights.config(), weights.tensors())) {
      return model.forward(manager.create(ids, new Shape(1, ids.length)), null, null, null, false).toFloatArray();
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @Test
  void f32DirectoryHasTheSameLogitsAndGeneratesTheGoldenText() throws IOException {
    Path output = convert("f32");
    for (String file : List.of("config.json", "model.safetensors", "tokenizer.bin")) {
      assertTrue(Files.isRegularFile(output.resolve(file)), file + " missing from " + output);
    }
    assertEquals(-1, Files.mismatch(Stories260k.tokenizer(), output.resolve("tokenizer.bin")));
    assertTrue(Files.getPosixFilePermissions(output.resolve("tokenizer.bin")).contains(PosixFilePermission.OWNER_WRITE),
        "the copy must not inherit the read-only mode of the shared asset");
    try (var siblings = Files.list(dir)) {
      assertEquals(1, siblings.count(), "no staging directory left behind");
    }

    double diff = maxAbsDiff(logits(ModelCheckpoint.load(Stories260k.checkpoint())), logits(ModelCheckpoint.load(output)));
    System.out.printf("ConvertCommandTest: f32 max |logit difference| .bin vs directory, 40 positions: %.3e%n", diff);
    assertTrue(diff <= 1e-5, "max |logit difference| " + diff);

    CliRun run = CliRun.of("generate", "--model", output.toString(), "--prompt", "Once upon a time",
        "--max-new-tokens", "60");
    assertEquals(0, run.exitCode(), run.toString());
    assertEquals(Stories260k.ONCE_UPON_A_TIME + "\n", run.out());
  }

  @Test
  void convertedDirectoryKeepsLlama2cStopIds() throws IOException {
    Path output = convert("f32");
    JsonNode config = new ObjectMapper().readTree(output.resolve("config.json").toFile());
    assertEquals("[2,1]", config.get("eos_token_id").toString());
    assertEquals("float32", config.get("torch_dtype").textValue());
    assertEquals(ModelBundle.open(Stories260k.checkpoint(), null).stopIds(), ModelBundle.open(output, null).stopIds());
  }

  @Test
  void halfPrecisionDirectoriesStayClose() throws IOException {
    float[] reference = logits(ModelCheckpoint.load(Stories260k.checkpoint()));
    long f32Bytes = Files.size(convert("f32").resolve("model.safetensors"));
    for (String dtype : List.of("f16", "bf16")) {
      Path output = convert(dtype);
      JsonNode config = new ObjectMapper().readTree(output.resolve("config.json").toFile());
      assertEquals(dtype.equals("f16") ? "float16" : "bfloat16", config.get("torch_dtype").textValue());
      assertTrue(Files.size(output.resolve("model.safetensors")) < f32Bytes * 0.55, dtype + " file is not half size");
      double diff = maxAbsDiff(reference, logits(ModelCheckpoint.load(output)));
      // rounding the weights to 11 (f16) or 8 (bf16) significant bits moves logits of magnitude ~20 by about
      // 2e-2 (f16) and 1e-1 (bf16) here; the bounds leave a margin of 3-4x
      double bound = dtype.equals("f16") ? 0.05 : 0.5;
      System.out.printf("ConvertCommandTest: %s max |logit difference| vs f32, 40 positions: %.3e%n", dtype, diff);
      assertTrue(diff > 0 && diff < bound, dtype + ": max |logit difference| " + diff);
    }
  }

  @Test
  void nonEmptyOutputDirectoryIsRefused() throws IOException {
    Path output = Files.createDirectories(dir.resolve("taken"));
    Files.writeString(output.resolve("tokenizer.json"), "{}");
    CliRun run = CliRun.of("convert", "--model", Stories260k.checkpoint().toString(), "--output", output.toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains(output + ": directory is not empty"), run.err());
    assertFalse(Files.exists(output.resolve("config.json")));
  }

  @Test
  void emptyOutputDirectoryIsFilled() {
    Path output = dir.resolve("empty");
    CliRun run;
    try {
      Files.createDirectories(output);
      run = CliRun.of("convert", "--model", Stories260k.checkpoint().toString(), "--output", output.toString(),
          "--tokenizer", Stories260k.tokenizer().toString());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(Files.isRegularFile(output.resolve("model.safetensors")));
  }

  @Test
  void aTruncatedTokenizerIsRefused() throws IOException {
    Path model = Files.copy(Stories260k.checkpoint(), dir.resolve("model.bin"));
    // cut after about 70 of its 512 tokens: llama2.c reads vocab_size tokens, so all 512 must be there
    byte[] full = Files.readAllBytes(Stories260k.tokenizer());
    Path shortTokenizer = Files.write(dir.resolve("tok512.bin"), Arrays.copyOf(full, 1000));
    CliRun run = CliRun.of("convert", "--model", model.toString(), "--output", dir.resolve("out").toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains(shortTokenizer.toString()), run.err());
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void aModelWithoutATokenizerNamesWhereItLooked() throws IOException {
    Path model = Files.copy(Stories260k.checkpoint(), dir.resolve("model.bin"));
    CliRun run = CliRun.of("convert", "--model", model.toString(), "--output", dir.resolve("out").toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("no llama2.c tokenizer (tokenizer.bin or tok*.bin); name the file with --tokenizer"),
        run.err());
  }
}
