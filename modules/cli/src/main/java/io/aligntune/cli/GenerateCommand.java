package io.aligntune.cli;

import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.llama.TextGenerator;
import io.aligntune.model.tokenizer.HfTokenizer;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code aligntune generate}: continues one prompt, as llama2.c's {@code run} does. The model sees
 * [BOS] + encode(prompt) (an empty prompt is BOS alone); stdout gets the text of every token after BOS,
 * prompt included; stderr gets one line of statistics.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    header = "Generate a continuation of a prompt.",
    description = "Greedy (--temperature 0) or nucleus sampling with a KV cache.")
final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--prompt", required = true, paramLabel = "TEXT",
      description = "Text to continue; \"\" starts from BOS alone.")
  String prompt;

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256",
      description = "Most tokens to generate (fewer if the context window ends first). Default: ${DEFAULT-VALUE}.")
  int maxNewTokens;

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
      description = "Sampling temperature; 0 = greedy (argmax, the seed is then irrelevant). Default: ${DEFAULT-VALUE}.")
  double temperature;

  @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
      description = "Nucleus sampling: sample among the most likely tokens holding mass P, in (0, 1]."
          + " Default: ${DEFAULT-VALUE}.")
  double topP;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
      description = "Sampler seed; the same seed gives the same text. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--chat",
      description = "Wrap the prompt as a user message in the tokenizer's chat template (when it has one).")
  boolean chat;

  @Override
  public Integer call() throws Exception {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (LoadedModel loaded = LoadedModel.open(modelOptions)) {
      int[] promptIds = loaded.withBos(encodePrompt(loaded.tokenizer(), prompt, chat, err));
      if (promptIds.length >= loaded.maxPositions()) {
        throw new IllegalArgumentException("the prompt is " + promptIds.length + " tokens (BOS included) but the"
            + " model's context window (max_position_embeddings) is " + loaded.maxPositions()
            + ": no room to generate");
      }
      TextGenerator.Options options =
          new TextGenerator.Options(maxNewTokens, temperature, topP, seed, loaded.bundle().stopIds());
      long start = System.nanoTime();
      int[] generated = TextGenerator.generate(loaded.model(), List.of(promptIds), options).get(0);
      double seconds = (System.nanoTime() - start) / 1e9;

      int[] all = new int[promptIds.length + generated.length];
      System.arraycopy(promptIds, 0, all, 0, promptIds.length);
      System.arraycopy(generated, 0, all, promptIds.length, generated.length);
      out.println(loaded.tokenizer().decode(all));
      out.flush();
      err.println(String.format(Locale.ROOT, "%s: %d prompt + %d generated tokens in %.2f s (%.1f tokens/s)",
          spec.qualifiedName(), promptIds.length, generated.length, seconds, generated.length / seconds));
      err.flush();
    }
    return 0;
  }

  private void validate() {
    if (maxNewTokens < 0) {
      throw usage("--max-new-tokens must be >= 0, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw usage("--temperature must be a finite number >= 0, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw usage("--top-p must be in (0, 1], got " + topP);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /**
   * The prompt's ids without BOS. With {@code chat}, the prompt becomes a user message rendered by the
   * tokenizer's chat template (minus the template's own BOS text, since the caller places the BOS id);
   * without a template the prompt is used as it is, and a note says so.
   */
  static int[] encodePrompt(Tokenizer tokenizer, String prompt, boolean chat, PrintWriter err) {
    if (!chat) {
      return tokenizer.encode(prompt);
    }
    List<Map<String, String>> messages = List.of(Map.of("role", "user", "content", prompt));
    Optional<String> rendered = tokenizer instanceof HfTokenizer hf
        ? hf.applyChatTemplateWithoutBos(messages, true)
        : tokenizer.applyChatTemplate(messages, true);
    if (rendered.isEmpty()) {
      err.println("aligntune generate: note: the tokenizer has no chat template; --chat ignored, prompt used as plain text");
      return tokenizer.encode(prompt);
    }
    return tokenizer.encode(rendered.get());
  }
}
