package io.aligntune.spark.align;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.HfModelDirectoryWriter;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.io.PeftAdapterWriter;
import io.aligntune.model.io.SafetensorsDtype;
import io.aligntune.model.llama.LlamaWeightNames;
import io.aligntune.model.lora.LoraWeights;
import io.aligntune.spark.io.HadoopFiles;
import io.aligntune.spark.model.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a trained phase's result where users load it: the merged model as a Hugging Face safetensors
 * directory, and the adapter in PEFT format. Built on the driver from host weights (the base read once,
 * the adapters merged in Java), then copied to the output URI.
 */
public final class PhaseExports {

  private PhaseExports() {}

  /** The base model's host weights and config (a random model is rebuilt from its seed). */
  public static LoadedWeights baseWeights(ModelSource source) throws IOException {
    if (source.uri() == null) {
      return new LoadedWeights(source.randomConfig(),
          new java.util.LinkedHashMap<>(LlamaWeightNames.randomWeights(source.randomConfig(), source.randomSeed())), null);
    }
    return ModelCheckpoint.load(HadoopFiles.localCopy(source.uri(), source.contentHash()));
  }

  /** Base + trained weights as full model weights: LoRA merged, or the fully fine-tuned weights as they are. */
  public static Map<String, HostTensor> mergedWeights(LoadedWeights base, ModelSource policy, Map<String, HostTensor> trained) {
    if (policy.fullFineTuning()) {
      Map<String, HostTensor> out = new java.util.LinkedHashMap<>(base.tensors());
      out.putAll(trained);
      return out;
    }
    return LoraWeights.merge(base.tensors(), policy.lora(), trained);
  }

  public static void writeMerged(String uri, LlamaConfig config, Map<String, HostTensor> weights, SafetensorsDtype dtype,
      String tokenizer) throws IOException {
    Path temp = Files.createTempDirectory("aligntune-export-");
    try {
      Path dir = temp.resolve("model");
      HfModelDirectoryWriter.write(dir, config, weights, dtype);
      copyTokenizer(tokenizer, dir);
      upload(dir, uri);
    } finally {
      delete(temp);
    }
  }

  public static void writeAdapter(String uri, LoraConfig lora, Map<String, HostTensor> adapters, String baseModel,
      SafetensorsDtype dtype) throws IOException {
    Path temp = Files.createTempDirectory("aligntune-adapter-");
    try {
      Path dir = temp.resolve("adapter");
      PeftAdapterWriter.write(dir, lora, adapters, baseModel, dtype);
      upload(dir, uri);
    } finally {
      delete(temp);
    }
  }

  /** The model's tokenizer travels with the export, so the directory alone is loadable. */
  static void copyTokenizer(String tokenizer, Path dir) throws IOException {
    if (tokenizer == null || tokenizer.startsWith("builtin:")) {
      return;
    }
    Path local = HadoopFiles.localCopy(tokenizer, HadoopFiles.isLocal(tokenizer) ? "local" : HadoopFiles.contentHash(tokenizer));
    if (Files.isDirectory(local)) {
      for (String name : new String[] {"tokenizer.json", "tokenizer_config.json", "tokenizer.bin"}) {
        if (Files.exists(local.resolve(name))) {
          Files.copy(local.resolve(name), dir.resolve(name));
        }
      }
    } else if (local.getFileName().toString().endsWith(".bin")) {
      Files.copy(local, dir.resolve("tokenizer.bin"));
    }
  }

  static void upload(Path localDir, String uri) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = HadoopFiles.fileSystem(uri);
    org.apache.hadoop.fs.Path target = HadoopFiles.path(uri);
    if (fs.exists(target)) {
      fs.delete(target, true);
    }
    fs.mkdirs(target.getParent());
    fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(localDir.toUri()), target);
  }

  static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temp folder; harmless if left
    }
  }
}
