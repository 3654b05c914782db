package io.aligntune.model.io;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;

/**
 * Reads a llama2.c legacy (version 0) {@code .bin} checkpoint into Hugging Face names and conventions.
 *
 * <p>The file is a {@link Llama2cHeader} followed by float32 weights grouped by kind across layers
 * (all layers' attention norms, then all wq, ...), then the final norm, the unused legacy RoPE tables
 * and, when untied, the classifier. The file size must equal what the header implies exactly, so a
 * truncated download or a different format is caught before any weight is used. Query and key
 * projections are permuted to the rotate-half convention ({@link RotaryLayoutPermutation}).
 */
public final class Llama2cCheckpointReader {

  private Llama2cCheckpointReader() {}

  /**
   * Whether {@code file} looks like a llama2.c version 0 checkpoint: a valid header whose implied size
   * matches the file size. Never throws for a file of another format.
   */
  public static boolean isLlama2cCheckpoint(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Llama2cHeader header = Llama2cHeader.read(file, channel);
      return header.fileBytes() == channel.size();
    } catch (IOException | ArithmeticException e) {
      return false;
    }
  }

  public static LoadedWeights read(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Llama2cHeader header = Llama2cHeader.read(file, channel);
      checkSize(file, header, channel.size());
      LlamaConfig config;
      try {
        config = header.toConfig();
      } catch (IllegalArgumentException e) {
        throw new CheckpointFormatException(file + ": llama2.c header (" + header + "): " + e.getMessage(), e);
      }
      return new LoadedWeights(config, new SectionReader(file, channel, header).readAll(), file);
    }
  }

  private static void checkSize(Path file, Llama2cHeader header, long actual) throws CheckpointFormatException {
    long expected;
    try {
      expected = header.fileBytes();
    } catch (ArithmeticException e) {
      throw new CheckpointFormatException(
          file + ": llama2.c header (" + header + ") implies an impossible size (not a llama2.c checkpoint?)");
    }
    if (expected != actual) {
      throw new CheckpointFormatException(
          file + ": llama2.c header (" + header + ") implies " + expected + " bytes but the file has " + actual
              + " bytes (" + (actual < expected ? "truncated" : "trailing data") + ", or not a llama2.c version 0"
              + " checkpoint?)");
    }
  }

  /** Walks the weight sections in file order and regroups them per layer under Hugging Face names. */
  private static final class SectionReader {
    private final Path file;
    private final FileChannel channel;
    private final Llama2cHeader h;
    private long position = Llama2cHeader.BYTES;

    SectionReader(Path file, FileChannel channel, Llama2cHeader header) {
      this.file = file;
      this.channel = channel;
      this.h = header;
    }

    LinkedHashMap<String, HostTensor> readAll() throws IOException {
      int layers = h.nLayers();
      HostTensor embedding = next(h.vocab(), h.dim());
      HostTensor[] attentionNorm = perLayer(h.dim());
      HostTensor[] wq = perLayer(h.dim(), h.dim());
      HostTensor[] wk = perLayer(h.kvDim(), h.dim());
      HostTensor[] wv = perLayer(h.kvDim(), h.dim());
      HostTensor[] wo = perLayer(h.dim(), h.dim());
      HostTensor[] ffnNorm = perLayer(h.dim());
      HostTensor[] w1 = perLayer(h.hiddenDim(), h.dim());
      HostTensor[] w2 = perLayer(h.dim(), h.hiddenDim());
      HostTensor[] w3 = perLayer(h.hiddenDim(), h.dim());
      HostTensor finalNorm = next(h.dim());
      position += (long) h.seqLen() * h.headSize() * Float.BYTES; // legacy freq_cis_real + freq_cis_imag

      LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
      out.put(LlamaWeightLayout.EMBED_TOKENS, embedding);
      for (int i = 0; i < layers; i++) {
        out.put(LlamaWeightLayout.layer(i, "input_layernorm"), attentionNorm[i]);
        out.put(LlamaWeightLayout.layer(i, "self_attn.q_proj"), toHalfSplit(wq[i], h.nHeads()));
        out.put(LlamaWeightLayout.layer(i, "self_attn.k_proj"), toHalfSplit(wk[i], h.nKvHeads()));
        out.put(LlamaWeightLayout.layer(i, "self_attn.v_proj"), wv[i]);
        out.put(LlamaWeightLayout.layer(i, "self_attn.o_proj"), wo[i]);
        out.put(LlamaWeightLayout.layer(i, "post_attention_layernorm"), ffnNorm[i]);
        // llama2.c's FFN is w2(silu(w1 x) * w3 x): w1 is the gate, w3 the up projection, w2 the down one.
        out.put(LlamaWeightLayout.layer(i, "mlp.gate_proj"), w1[i]);
        out.put(LlamaWeightLayout.layer(i, "mlp.up_proj"), w3[i]);
        out.put(LlamaWeightLayout.layer(i, "mlp.down_proj"), w2[i]);
      }
      out.put(LlamaWeightLayout.FINAL_NORM, finalNorm);
      if (!h.sharedClassifier()) {
        out.put(LlamaWeightLayout.LM_HEAD, next(h.vocab(), h.dim()));
      }
      return out;
    }

    private HostTensor toHalfSplit(HostTensor weight, int heads) {
      float[] permuted =
          RotaryLayoutPermutation.interleavedToHalfSplit(weight.data(), heads, h.headSize(), h.dim());
      return new HostTensor(weight.shape(), permuted);
    }

    private HostTensor[] perLayer(long... shape) throws IOException {
      HostTensor[] tensors = new HostTensor[h.nLayers()];
      for (int i = 0; i < tensors.length; i++) {
        tensors[i] = next(shape);
      }
      return tensors;
    }

    private HostTensor next(long... shape) throws IOException {
      long count = HostTensor.numel(shape);
      if (count > SafetensorsReader.MAX_ARRAY_ELEMENTS) {
        throw new CheckpointFormatException(
            file + ": a weight of shape " + Arrays.toString(shape) + " is too large for one Java array");
      }
      float[] data = LittleEndianChannelReader.readFloats(channel, position, (int) count, file.toString());
      position += count * Float.BYTES;
      return new HostTensor(shape.clone(), data);
    }
  }
}
