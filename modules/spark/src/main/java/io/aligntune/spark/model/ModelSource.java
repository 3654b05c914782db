package io.aligntune.spark.model;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import java.io.Serializable;

/**
 * Everything an executor needs to build the same model the driver means, small enough to ship with every
 * task: where the base weights are (any Hadoop URI, or a random initialisation from a config and seed) and
 * which adapters to add. Executors load the base once per JVM and key their cache by this value, so the
 * content hash makes a changed file at the same URI a different model.
 *
 * @param uri base weights: a llama2.c {@code .bin} or a Hugging Face directory, any Hadoop FileSystem URI;
 *     null for a random initialisation
 * @param contentHash hash of the files at {@code uri} (or of the random spec)
 * @param randomConfig architecture of a random initialisation (null when {@code uri} is given)
 * @param randomSeed seed of a random initialisation
 * @param lora adapters to add (null = none: full fine-tuning or inference)
 * @param loraSeed seed of the adapters' initial A matrices
 * @param fullFineTuning train every base weight instead of adapters
 */
public record ModelSource(String uri, String contentHash, LlamaConfig randomConfig, long randomSeed, LoraConfig lora,
    long loraSeed, boolean fullFineTuning) implements Serializable {

  public ModelSource {
    if ((uri == null) == (randomConfig == null)) {
      throw new IllegalArgumentException("a model source is either a URI or a random initialisation, not both or neither");
    }
  }

  public static ModelSource random(LlamaConfig config, long seed) {
    return new ModelSource(null, "random:" + config.hashCode() + ":" + seed, config, seed, null, 0, false);
  }

  public static ModelSource at(String uri, String contentHash) {
    return new ModelSource(uri, contentHash, null, 0, null, 0, false);
  }

  public ModelSource withLora(LoraConfig config, long seed) {
    return new ModelSource(uri, contentHash, randomConfig, randomSeed, config, seed, false);
  }

  public ModelSource withFullFineTuning() {
    return new ModelSource(uri, contentHash, randomConfig, randomSeed, null, 0, true);
  }

  public String describe() {
    return uri != null ? uri : "random Llama (seed " + randomSeed + ", " + randomConfig.parameterCount() + " weights)";
  }
}
