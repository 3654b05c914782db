package io.aligntune.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model a command runs, as {@code --model} and {@code --tokenizer}. */
final class ModelOptions {

  @Option(
      names = "--model",
      required = true,
      paramLabel = "PATH",
      description = "A llama2.c .bin checkpoint or a Hugging Face model directory (config.json + safetensors).")
  Path model;

  @Option(
      names = "--tokenizer",
      paramLabel = "PATH",
      description = "Tokenizer file or directory (default: beside the model: tokenizer.json, tokenizer.bin or"
          + " a single tok*.bin).")
  Path tokenizer;
}
