package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointReaderTest {

  @TempDir Path dir;

  private static float at(LoadedWeights w, String name, int row, int col) {
    HostTensor t = w.tensors().get(name);
    return t.data()[(int) (row * t.shape()[1] + col)];
  }

  @Test
  void readsStories260K() throws IOException {
    Path file = TestFiles.stories260K();
    LoadedWeights w = Llama2cCheckpointReader.read(file);

    assertEquals(new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 1e-5, 10000.0, true, 1, 2, 0), w.config());
    assertEquals(8, w.config().headDim());
    assertEquals(file, w.source());
    assertEquals(1 + 5 * 9 + 1, w.tensors().size());
    assertFalse(w.tensors().containsKey(LlamaWeightLayout.LM_HEAD));
    Map<String, long[]> expected = LlamaWeightLayout.expectedShapes(w.config());
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(w.tensors().keySet()));
    expected.forEach((name, shape) -> assertArrayEquals(shape, w.tensors().get(name).shape(), name));
    assertArrayEquals(new long[] {32, 64}, w.tensors().get("model.layers.0.self_attn.k_proj.weight").shape());
    assertArrayEquals(new long[] {64, 172}, w.tensors().get("model.layers.4.mlp.down_proj.weight").shape());

    // Golden values read from the file with numpy (offsets per SOURCES.md), llama2.c row -> HF row.
    assertEquals(-0.29474878f, at(w, "model.embed_tokens.weight", 0, 0));
    assertEquals(-0.4240326f, at(w, "model.embed_tokens.weight", 511, 63));
    assertEquals(1.3401505f, w.tensors().get("model.layers.4.input_layernorm.weight").data()[0]);
    assertEquals(2.458309f, w.tensors().get("model.norm.weight").data()[0]);
    assertEquals(1.7077769f, w.tensors().get("model.norm.weight").data()[63]);
    assertEquals(0.055401117f, at(w, "model.layers.0.self_attn.q_proj.weight", 1, 0)); // llama2.c row 2
    assertEquals(0.03573725f, at(w, "model.layers.0.self_attn.q_proj.weight", 5, 0)); // llama2.c row 3
    assertEquals(-0.07849356f, at(w, "model.layers.0.self_attn.q_proj.weight", 12, 5)); // llama2.c row 9
    assertEquals(0.663641f, at(w, "model.layers.1.self_attn.k_proj.weight", 11, 7)); // llama2.c row 14
    assertEquals(-0.12440154f, at(w, "model.layers.1.self_attn.k_proj.weight", 15, 7)); // row 15 stays
    assertEquals(0.08836912f, at(w, "model.layers.4.self_attn.v_proj.weight", 31, 63));
    assertEquals(0.0062035914f, at(w, "model.layers.4.self_attn.o_proj.weight", 63, 63));
    assertEquals(0.07544903f, at(w, "model.layers.3.mlp.gate_proj.weight", 171, 63)); // w1
    assertEquals(0.07037119f, at(w, "model.layers.0.mlp.up_proj.weight", 0, 0)); // w3
    assertEquals(-0.03257971f, at(w, "model.layers.2.mlp.down_proj.weight", 10, 171)); // w2

    double sum = 0;
    for (HostTensor t : w.tensors().values()) {
      for (float v : t.data()) {
        sum += v;
      }
    }
    assertEquals(-14.691442941950697, sum, 1e-9); // every weight, legacy RoPE tables excluded
  }

  @Test
  void truncatedCopyIsReportedWithExpectedAndActualSize() throws IOException {
    byte[] bytes = Files.readAllBytes(TestFiles.stories260K());
    Path truncated = Files.write(dir.resolve("stories260K.bin"), Arrays.copyOf(bytes, bytes.length - 100));
    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpointReader.read(truncated));
    assertEquals(
        truncated + ": llama2.c header (dim=64, hidden_dim=172, n_layers=5, n_heads=8, n_kv_heads=4,"
            + " vocab_size=512, seq_len=512) implies 1056540 bytes but the file has 1056440 bytes (truncated,"
            + " or not a llama2.c version 0 checkpoint?)",
        e.getMessage());
    assertFalse(Llama2cCheckpointReader.isLlama2cCheckpoint(truncated));
    assertTrue(Llama2cCheckpointReader.isLlama2cCheckpoint(TestFiles.stories260K()));
  }

  /** A llama2.c file whose n-th float (after the header) has the value n. */
  private Path syntheticCheckpoint(int vocabSize, int extraFloats) throws IOException {
    Llama2cHeader header = new Llama2cHeader(8, 12, 1, 2, 1, vocabSize, 4);
    int floats = (int) header.floatCount() + extraFloats;
    ByteBuffer buffer = ByteBuffer.allocate(Llama2cHeader.BYTES + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putInt(8).putInt(12).putInt(1).putInt(2).putInt(1).putInt(vocabSize).putInt(4);
    for (int i = 0; i < floats; i++) {
      buffer.putFloat(i);
    }
    return Files.write(dir.resolve("synthetic.bin"), buffer.array());
  }

  @Test
  void negativeVocabMeansAnUntiedClassifierAfterTheRopeTables() throws IOException {
    LoadedWeights w = Llama2cCheckpointReader.read(syntheticCheckpoint(-6, 0));
    assertFalse(w.config().tieWordEmbeddings());
    assertEquals(6, w.config().vocabSize());
    // Layout: embed 48, rms_att 8, wq 64, wk 32, wv 32, wo 64, rms_ffn 8, w1 96, w2 96, w3 96, rms_final 8,
    // RoPE tables 4 * 4 = 16, wcls 48: offsets below follow from it.
    assertEquals(0f, w.tensors().get("model.embed_tokens.weight").data()[0]);
    assertEquals(48f, w.tensors().get("model.layers.0.input_layernorm.weight").data()[0]);
    // wq starts at float 56 with rows of 8; heads of 4 rows: HF rows 0,1,2,3 <- llama2.c rows 0,2,1,3.
    HostTensor q = w.tensors().get("model.layers.0.self_attn.q_proj.weight");
    assertEquals(56f + 2 * 8, q.data()[1 * 8]);
    assertEquals(56f + 1 * 8, q.data()[2 * 8]);
    assertEquals(56f + 6 * 8, q.data()[5 * 8]); // head 1: HF row 5 <- llama2.c row 6
    HostTensor k = w.tensors().get("model.layers.0.self_attn.k_proj.weight");
    assertEquals(120f, k.data()[0]);
    assertEquals(120f + 2 * 8, k.data()[1 * 8]);
    assertEquals(152f, w.tensors().get("model.layers.0.self_attn.v_proj.weight").data()[0]);
    assertEquals(184f, w.tensors().get("model.layers.0.self_attn.o_proj.weight").data()[0]);
    assertEquals(248f, w.tensors().get("model.layers.0.post_attention_layernorm.weight").data()[0]);
    assertEquals(256f, w.tensors().get("model.layers.0.mlp.gate_proj.weight").data()[0]);
    assertEquals(352f, w.tensors().get("model.layers.0.mlp.down_proj.weight").data()[0]);
    assertEquals(448f, w.tensors().get("model.layers.0.mlp.up_proj.weight").data()[0]);
    assertEquals(544f, w.tensors().get("model.norm.weight").data()[0]);
    assertEquals(568f, w.tensors().get("lm_head.weight").data()[0]);
    assertEquals(615f, w.tensors().get("lm_head.weight").data()[47]);
  }

  @Test
  void trailingDataIsReported() throws IOException {
    Path file = syntheticCheckpoint(6, 3);
    CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpointReader.read(file));
    assertTrue(e.getMessage().contains("implies 2300 bytes but the file has 2312 bytes (trailing data"), e.getMessage());
  }

  @Test
  void versionedExportsAndNonsenseHeadersAreRefused() throws IOException {
    ByteBuffer versioned = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putInt(0x616b3432).putInt(2);
    Path v2 = Files.write(dir.resolve("v2.bin"), versioned.array());
    assertTrue(
        assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpointReader.read(v2))
            .getMessage()
            .contains("llama2.c export version 2 is not supported"));
    ByteBuffer zeros = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putInt(64).putInt(0);
    Path bad = Files.write(dir.resolve("bad.bin"), zeros.array());
    assertEquals(
        bad + ": llama2.c header hidden_dim=0 must be positive (not a llama2.c version 0 checkpoint?)",
        assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpointReader.read(bad)).getMessage());
  }
}
