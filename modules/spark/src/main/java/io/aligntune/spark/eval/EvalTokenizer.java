package io.aligntune.spark.eval;

import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.tokenizer.ByteTokenizer;
import io.aligntune.model.tokenizer.HfTokenizer;
import io.aligntune.model.tokenizer.Llama2cTokenizer;
import io.aligntune.model.tokenizer.Tokenizers;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokenizer an eval job uses, as shipped to executors: its location (any Hadoop URI of a llama2.c
 * {@code .bin}, a {@code tokenizer.json} or a Hugging Face directory, or {@value ByteTokenizer#NAME}) and
 * the content hash taken on the driver, which keys each executor JVM's cache, so a tokenizer is loaded
 * (and a remote one copied) once per JVM.
 *
 * @param location where the tokenizer is
 * @param contentHash hash of its files ({@code builtin} for the byte tokenizer)
 */
public record EvalTokenizer(String location, String contentHash) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  private static final Map<EvalTokenizer, Tokenizer> LOADED = new ConcurrentHashMap<>();

  /** The tokenizer at {@code location}, hashing it now (driver side). */
  public static EvalTokenizer at(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("tokenizer '" + location + "' is invalid; give a tokenizer file or directory URI, or "
          + ByteTokenizer.NAME);
    }
    if (location.equals(ByteTokenizer.NAME)) {
      return new EvalTokenizer(location, "builtin");
    }
    try {
      return new EvalTokenizer(location, HadoopFiles.contentHash(location));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer " + location + ": " + e.getMessage(), e);
    }
  }

  /** The loaded tokenizer, shared by the tasks of this JVM (tokenizers are immutable and thread-safe). */
  public Tokenizer load() {
    return LOADED.computeIfAbsent(this, EvalTokenizer::read);
  }

  private static Tokenizer read(EvalTokenizer source) {
    try {
      Path local = source.location.equals(ByteTokenizer.NAME)
          ? Path.of(ByteTokenizer.NAME)
          : HadoopFiles.localCopy(source.location, source.contentHash);
      return Tokenizers.load(local);
    } catch (IOException e) {
      throw new UncheckedIOException("could not load tokenizer " + source.location + ": " + e.getMessage(), e);
    }
  }

  /**
   * The ids that end a generation when none are configured: the tokenizer's EOS, and for a llama2.c tokenizer
   * also BOS (llama2.c's run.c treats BOS as the sequence delimiter; stories models emit it between stories).
   */
  static Set<Integer> defaultStopIds(Tokenizer tokenizer) {
    Set<Integer> stops = new LinkedHashSet<>();
    stops.add(tokenizer.eosId());
    if (tokenizer instanceof Llama2cTokenizer) {
      stops.add(tokenizer.bosId());
    }
    return Set.copyOf(stops);
  }

  /**
   * The prompt as one user message rendered by the tokenizer's chat template with the generation prompt, minus
   * a leading BOS text (the caller places the BOS id); empty when the tokenizer has no chat template.
   */
  static Optional<String> renderChat(Tokenizer tokenizer, String prompt) {
    List<Map<String, String>> messages = List.of(Map.of("role", "user", "content", prompt));
    return tokenizer instanceof HfTokenizer hf
        ? hf.applyChatTemplateWithoutBos(messages, true)
        : tokenizer.applyChatTemplate(messages, true);
  }
}
