package io.aligntune.model;

import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.io.HfConfig;
import io.aligntune.model.io.HfConfigReader;
import io.aligntune.model.io.Llama2cCheckpointReader;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a command needs to use a model: its weights, its tokenizer and the ids that end a generation.
 *
 * <p>Stop ids follow each format's convention: llama2.c stops at BOS (run.c treats BOS as the sequence
 * delimiter) and EOS; a Hugging Face model stops at every {@code eos_token_id} of its config.json (Llama 3
 * instruct lists several) and at its tokenizer's EOS.
 *
 * @param isLlama2c whether the weights came from a llama2.c checkpoint (its tokenizer inserts a dummy
 *     prefix space and strips the space after BOS when decoding)
 */
public record ModelBundle(LoadedWeights weights, Tokenizer tokenizer, Set<Integer> stopIds, boolean isLlama2c) {

  /**
   * @param model a llama2.c {@code .bin} file or a Hugging Face directory
   * @param tokenizer the tokenizer file/directory, or null to look beside the model (a llama2.c checkpoint
   *     takes {@code tokenizer.bin} or the single {@code tok*.bin} in its folder; an HF directory its own
   *     {@code tokenizer.json})
   */
  public static ModelBundle open(Path model, Path tokenizer) throws IOException {
    LoadedWeights weights = ModelCheckpoint.load(model);
    boolean llama2c = Files.isRegularFile(model) && Llama2cCheckpointReader.isLlama2cCheckpoint(model);
    Path tokenizerPath = tokenizer != null ? tokenizer : (Files.isDirectory(model) ? model : model.toAbsolutePath().getParent());
    Tokenizer tok;
    try {
      tok = Tokenizers.load(tokenizerPath);
    } catch (IOException e) {
      throw new IOException("no tokenizer for model " + model + " (give one with --tokenizer): " + e.getMessage(), e);
    }
    if (tok.vocabSize() > weights.config().vocabSize()) {
      throw new IOException("tokenizer " + tokenizerPath + " has " + tok.vocabSize() + " tokens but model " + model
          + " has vocab_size " + weights.config().vocabSize());
    }
    Set<Integer> stops = new LinkedHashSet<>();
    stops.add(tok.eosId());
    if (llama2c) {
      stops.add(tok.bosId());
    } else if (Files.isDirectory(model) && Files.exists(model.resolve(HfConfigReader.FILE_NAME))) {
      HfConfig config = HfConfigReader.read(model);
      stops.addAll(config.eosTokenIds());
    }
    return new ModelBundle(weights, tok, Set.copyOf(stops), llama2c);
  }
}
