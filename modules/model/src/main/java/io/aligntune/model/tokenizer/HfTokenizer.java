package io.aligntune.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.aligntune.core.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face tokenizer directory ({@code tokenizer.json}, optionally {@code tokenizer_config.json}),
 * run by DJL's binding of the Rust {@code tokenizers} library. {@link #encode} never adds special tokens
 * (the caller places BOS itself), never truncates and never pads; {@link #decode} drops special tokens and
 * returns exactly the text that was encoded (transformers' {@code clean_up_tokenization_spaces} is not
 * applied, so GPT-2's " ." stays " .").
 *
 * <p><b>BOS.</b> {@code add_bos_token} from the config is reported by {@link #addBosToken()} (true when
 * absent, as for Llama 2), but nothing here acts on it: the trainer always puts BOS at position 0 itself,
 * which is also right for Llama 3, whose {@code tokenizer.json} does not add BOS. Chat templates, however,
 * usually write the BOS token's <i>text</i> at the start, and that text encodes to the BOS id; encoding
 * {@link #applyChatTemplate} output after an explicit BOS would give two. Use
 * {@link #applyChatTemplateWithoutBos} for text that will follow an explicit BOS id.
 *
 * <p>Holds a native tokenizer: {@link #close()} frees it (the GC frees it otherwise). Thread-safe.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {

  static final String TOKENIZER_FILE = "tokenizer.json";

  private final Path directory;
  private final HuggingFaceTokenizer djlTokenizer;
  private final HfTokenizerConfig config;
  private final int vocabSize;
  private final OptionalInt bosId;
  private final OptionalInt eosId;
  private final Optional<ChatTemplate> chatTemplate;

  private HfTokenizer(Path directory, HuggingFaceTokenizer tokenizer, HfTokenizerConfig config, HfVocabScan vocab) {
    this.directory = directory;
    this.djlTokenizer = tokenizer;
    this.config = config;
    this.vocabSize = vocab.vocabSize();
    this.bosId = config.bosToken().map(vocab::idOf).orElse(OptionalInt.empty());
    this.eosId = config.eosToken().map(vocab::idOf).orElse(OptionalInt.empty());
    this.chatTemplate = config.chatTemplate()
        .map(t -> new ChatTemplate(t, config.bosToken(), config.eosToken()));
  }

  /**
   * Loads {@code directory/tokenizer.json} and, when present, {@code directory/tokenizer_config.json}.
   * Reads only local files; see {@link DjlOffline} for how DJL is kept off the network.
   *
   * @throws NoSuchFileException naming the directory when it has no {@code tokenizer.json}
   * @throws IOException when a file cannot be read or parsed, or a configured BOS/EOS token is not in the
   *     vocabulary
   */
  public static HfTokenizer load(Path directory) throws IOException {
    Path tokenizerJson = directory.resolve(TOKENIZER_FILE);
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new NoSuchFileException(tokenizerJson.toString(), null,
          "no " + TOKENIZER_FILE + " in tokenizer directory " + directory);
    }
    HfTokenizerConfig config = HfTokenizerConfig.read(directory);
    Set<String> wanted = new HashSet<>();
    config.bosToken().ifPresent(wanted::add);
    config.eosToken().ifPresent(wanted::add);
    HfVocabScan vocab = HfVocabScan.scan(tokenizerJson, wanted);
    for (String token : wanted) {
      if (vocab.idOf(token).isEmpty()) {
        throw new IOException(directory.resolve(HfTokenizerConfig.FILE_NAME) + " names the special token '"
            + token + "', which " + tokenizerJson + " does not contain");
      }
    }
    DjlOffline.ensureNoTelemetry();
    // Options, not the defaults: DJL otherwise adds special tokens, truncates to 512 and pads.
    HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
        Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    return new HfTokenizer(directory, tokenizer, config, vocab);
  }

  @Override
  public int[] encode(String text) {
    return toInts(djlTokenizer.encode(text, false, false).getIds());
  }

  /** Text of {@code ids}; all special tokens (BOS, EOS, chat headers, ...) are dropped. */
  @Override
  public String decode(int[] ids) {
    long[] wide = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary [0, "
            + vocabSize + ") of " + directory);
      }
      wide[i] = ids[i];
    }
    return djlTokenizer.decode(wide, true);
  }

  /** The BOS id, from {@code bos_token} in the config. */
  @Override
  public int bosId() {
    return bosId.orElseThrow(() -> missingToken("bos_token"));
  }

  /** The EOS id, from {@code eos_token} in the config. */
  @Override
  public int eosId() {
    return eosId.orElseThrow(() -> missingToken("eos_token"));
  }

  private IllegalStateException missingToken(String key) {
    return new IllegalStateException(directory.resolve(HfTokenizerConfig.FILE_NAME) + " gives no " + key
        + " (or the file is missing)");
  }

  /** Largest token id + 1, counting added special tokens (128256 for Llama 3, 50257 for GPT-2). */
  @Override
  public int vocabSize() {
    return vocabSize;
  }

  /** {@code add_bos_token} from the config (true when absent); informational, see the class doc. */
  public boolean addBosToken() {
    return config.addBosToken();
  }

  /** Text of the BOS token ({@code bos_token}), e.g. {@code <|begin_of_text|>}. */
  public Optional<String> bosToken() {
    return config.bosToken();
  }

  /** Text of the EOS token ({@code eos_token}). */
  public Optional<String> eosToken() {
    return config.eosToken();
  }

  /**
   * Renders {@code messages} with the config's chat template, exactly as transformers would (including a
   * leading BOS text when the template writes one); empty when the tokenizer has no template.
   *
   * @throws ChatTemplateException when the template calls {@code raise_exception} or fails to render
   */
  @Override
  public Optional<String> applyChatTemplate(List<Map<String, String>> messages, boolean addGenerationPrompt) {
    return chatTemplate.map(t -> t.render(messages, addGenerationPrompt));
  }

  /**
   * Like {@link #applyChatTemplate}, minus one leading BOS text: for text that is encoded and placed after
   * an explicit BOS id, so that the sequence holds exactly one BOS.
   */
  public Optional<String> applyChatTemplateWithoutBos(List<Map<String, String>> messages,
      boolean addGenerationPrompt) {
    return applyChatTemplate(messages, addGenerationPrompt).map(text -> {
      String bos = config.bosToken().orElse("");
      return !bos.isEmpty() && text.startsWith(bos) ? text.substring(bos.length()) : text;
    });
  }

  /** The directory this tokenizer was loaded from. */
  public Path directory() {
    return directory;
  }

  @Override
  public void close() {
    djlTokenizer.close();
  }

  private static int[] toInts(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }
}
