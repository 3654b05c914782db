package io.aligntune.cli;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.model.io.HfConfigReader;
import io.aligntune.model.io.HfConfigWriter;
import io.aligntune.model.io.HfModelDirectoryWriter;
import io.aligntune.model.io.Llama2cCheckpointReader;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.PickleCheckpointGuard;
import io.aligntune.model.io.SafetensorsDtype;
import io.aligntune.model.tokenizer.Llama2cTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code aligntune convert}: a llama2.c checkpoint as a Hugging Face model directory ({@code config.json}
 * + {@code model.safetensors}, q/k rows in the rotate-half layout), with the llama2.c tokenizer copied in as
 * {@code tokenizer.bin} so that the directory alone is a complete model for the other commands.
 *
 * <p>{@code eos_token_id} is written as {@code [2, 1]}: llama2.c ends a generation at EOS and at BOS (BOS is
 * the story delimiter its models were trained with), and the directory keeps that behaviour.
 *
 * <p>The directory is assembled under a temporary name beside {@code --output} and renamed at the end, so a
 * failed conversion leaves nothing behind. An existing non-empty output directory is refused: a stale
 * {@code tokenizer.json} in it would take precedence over the copied {@code tokenizer.bin}.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    header = "Convert a llama2.c checkpoint to a Hugging Face directory.",
    description = "Writes a llama2.c (version 0) checkpoint as config.json + model.safetensors, with its tokenizer"
        + " copied in as tokenizer.bin, so the directory alone is a complete model.")
final class ConvertCommand implements Callable<Integer> {

  static final String TOKENIZER_FILE = "tokenizer.bin";

  /** Storage type of the written weights. */
  enum Dtype {
    f32(SafetensorsDtype.F32),
    f16(SafetensorsDtype.F16),
    bf16(SafetensorsDtype.BF16);

    final SafetensorsDtype safetensors;

    Dtype(SafetensorsDtype safetensors) {
      this.safetensors = safetensors;
    }
  }

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "PATH.bin",
      description = "The llama2.c (version 0) checkpoint to convert.")
  Path model;

  @Option(names = "--tokenizer", paramLabel = "tok.bin",
      description = "Its llama2.c tokenizer (default: tokenizer.bin, or the single tok*.bin, beside the model).")
  Path tokenizer;

  @Option(names = "--output", required = true, paramLabel = "DIR",
      description = "Directory to create (it must not exist, or be empty).")
  Path output;

  @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "f32",
      description = "Weight storage: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
  Dtype dtype;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(model)) {
      throw new NoSuchFileException(model.toString(), null, "no model file here");
    }
    PickleCheckpointGuard.refuseIfPickle(model);
    if (Files.isDirectory(model)) {
      throw new IllegalArgumentException(model + " is a directory; convert reads a llama2.c .bin checkpoint file");
    }
    LoadedWeights weights = Llama2cCheckpointReader.read(model);
    LlamaConfig config = weights.config();
    Path tokenizerFile = llama2cTokenizer();
    // llama2.c's run.c reads exactly vocab_size tokens from the tokenizer: check that this one has them.
    Llama2cTokenizer.load(tokenizerFile, config.vocabSize());
    checkOutputFree();

    Path target = output.toAbsolutePath().normalize();
    Path staging = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    try {
      HfModelDirectoryWriter.write(staging, config, weights.tensors(), dtype.safetensors);
      HfConfigWriter.write(staging.resolve(HfConfigReader.FILE_NAME), config,
          List.of(config.eosTokenId(), config.bosTokenId()), dtype.safetensors);
      // copied as a stream, so the new file gets ordinary permissions, not those of a read-only source
      try (InputStream in = Files.newInputStream(tokenizerFile)) {
        Files.copy(in, staging.resolve(TOKENIZER_FILE));
      }
      Files.deleteIfExists(target); // an empty directory (checked above)
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteRecursively(staging);
    }
    long parameters = weights.tensors().values().stream().mapToLong(t -> t.data().length).sum();
    spec.commandLine().getErr().println(String.format(Locale.ROOT,
        "%s: wrote %s (%,d parameters, %s; hidden_size=%d, layers=%d, heads=%d/%d kv, vocab=%d, context=%d)"
            + " with tokenizer %s",
        spec.qualifiedName(), output, parameters, dtype, config.hiddenSize(), config.numHiddenLayers(),
        config.numAttentionHeads(), config.numKeyValueHeads(), config.vocabSize(), config.maxPositionEmbeddings(),
        tokenizerFile));
    spec.commandLine().getErr().flush();
    return 0;
  }

  /** {@code --tokenizer} (a file, or a directory to look in), else the model's own directory. */
  private Path llama2cTokenizer() throws IOException {
    Path place = tokenizer != null ? tokenizer : model.toAbsolutePath().getParent();
    if (tokenizer != null && !Files.exists(tokenizer)) {
      throw new NoSuchFileException(tokenizer.toString(), null, "no tokenizer file here");
    }
    if (Files.isRegularFile(place)) {
      if (!place.getFileName().toString().endsWith(".bin")) {
        throw new IllegalArgumentException(place + ": not a llama2.c tokenizer (.bin); convert copies llama2.c"
            + " tokenizers only");
      }
      return place;
    }
    if (Files.isRegularFile(place.resolve(TOKENIZER_FILE))) {
      return place.resolve(TOKENIZER_FILE);
    }
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(place, "tok*.bin")) {
      files.forEach(found::add);
    }
    found.sort(null);
    if (found.size() == 1) {
      return found.get(0);
    }
    throw new IOException(place + ": " + (found.isEmpty() ? "no llama2.c tokenizer (" + TOKENIZER_FILE + " or tok*.bin)"
        : "several llama2.c tokenizers " + found) + "; name the file with --tokenizer");
  }

  private void checkOutputFree() throws IOException {
    if (!Files.exists(output)) {
      return;
    }
    if (!Files.isDirectory(output)) {
      throw new IOException(output + ": exists and is not a directory");
    }
    try (Stream<Path> entries = Files.list(output)) {
      if (entries.findAny().isPresent()) {
        throw new IOException(output + ": directory is not empty; choose a new --output directory");
      }
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
