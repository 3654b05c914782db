package io.aligntune.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a Hugging Face {@code config.json} into a {@link LlamaConfig}. Only Llama-architecture models are
 * accepted, and settings the model code does not implement (rope scaling, projection biases, another
 * activation) are refused here rather than silently computing something else. Defaults follow
 * transformers' {@code LlamaConfig} for the fields it commonly omits; the rest are required, and a
 * missing or mistyped one is reported by name.
 */
public final class HfConfigReader {

  public static final String FILE_NAME = "config.json";

  /** {@code model_type} values whose weights and forward pass are exactly Llama's. */
  static final Set<String> LLAMA_MODEL_TYPES = Set.of("llama", "mistral");

  static final Set<String> LLAMA_ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM");

  private HfConfigReader() {}

  /** Reads {@code configJson} (a file, or a model directory holding {@code config.json}). */
  public static HfConfig read(Path configJson) throws IOException {
    Path file = Files.isDirectory(configJson) ? configJson.resolve(FILE_NAME) : configJson;
    if (!Files.isRegularFile(file)) {
      throw new CheckpointFormatException(file + ": missing (a Hugging Face model directory needs " + FILE_NAME + ")");
    }
    return parse(file.toString(), CheckpointJson.readObject(file));
  }

  /** Convenience: just the architecture. */
  public static LlamaConfig readLlamaConfig(Path configJson) throws IOException {
    return read(configJson).llama();
  }

  static HfConfig parse(String label, JsonNode root) throws CheckpointFormatException {
    Fields f = new Fields(label, root);
    String modelType = checkArchitecture(f);
    checkUnsupportedFeatures(f);
    int heads = f.requiredInt("num_attention_heads");
    List<Integer> eosIds = f.tokenIds("eos_token_id");
    try {
      LlamaConfig llama =
          new LlamaConfig(
              f.requiredInt("hidden_size"),
              f.requiredInt("intermediate_size"),
              f.requiredInt("num_hidden_layers"),
              heads,
              f.optionalInt("num_key_value_heads").orElse(heads),
              f.requiredInt("vocab_size"),
              f.requiredInt("max_position_embeddings"),
              f.requiredDouble("rms_norm_eps"),
              f.optionalDouble("rope_theta").orElse(10000.0),
              f.optionalBoolean("tie_word_embeddings").orElse(false),
              f.requiredInt("bos_token_id"),
              eosIds.get(0),
              f.optionalInt("head_dim").orElse(0));
      for (int id : eosIds) {
        if (id < 0 || id >= llama.vocabSize()) {
          throw new IllegalArgumentException(
              "eos_token_id " + id + " is outside [0, vocab_size=" + llama.vocabSize() + ")");
        }
      }
      Optional<String> dtype = f.optionalString("torch_dtype");
      if (dtype.isEmpty()) {
        dtype = f.optionalString("dtype"); // the name transformers uses since 4.56
      }
      return new HfConfig(llama, eosIds, modelType, dtype);
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(label + ": " + e.getMessage(), e);
    }
  }

  private static String checkArchitecture(Fields f) throws CheckpointFormatException {
    Optional<String> modelType = f.optionalString("model_type");
    if (modelType.isPresent()) {
      if (!LLAMA_MODEL_TYPES.contains(modelType.get())) {
        throw f.error(
            "model_type '" + modelType.get() + "' is not a Llama-architecture model (supported: "
                + String.join(", ", LLAMA_MODEL_TYPES.stream().sorted().toList()) + ")");
      }
      return modelType.get();
    }
    JsonNode architectures = f.root.get("architectures");
    if (architectures != null && architectures.isArray()) {
      for (JsonNode a : architectures) {
        if (a.isTextual() && LLAMA_ARCHITECTURES.contains(a.textValue())) {
          return "llama";
        }
      }
    }
    throw f.error("missing required field 'model_type' (and no Llama entry in 'architectures')");
  }

  private static void checkUnsupportedFeatures(Fields f) throws CheckpointFormatException {
    JsonNode ropeScaling = f.root.get("rope_scaling");
    if (ropeScaling != null && !ropeScaling.isNull()) {
      throw f.error("rope_scaling " + ropeScaling + " is not supported (only plain RoPE is implemented)");
    }
    for (String bias : List.of("attention_bias", "mlp_bias")) {
      if (f.optionalBoolean(bias).orElse(false)) {
        throw f.error(bias + "=true is not supported (the model has no projection biases)");
      }
    }
    Optional<String> activation = f.optionalString("hidden_act");
    if (activation.isPresent() && !activation.get().equals("silu")) {
      throw f.error("hidden_act '" + activation.get() + "' is not supported (only silu, as in Llama)");
    }
  }

  /** Typed access to the top-level fields, with errors that name the file and the field. */
  private static final class Fields {
    final String label;
    final JsonNode root;

    Fields(String label, JsonNode root) {
      this.label = label;
      this.root = root;
    }

    CheckpointFormatException error(String problem) {
      return new CheckpointFormatException(label + ": " + problem);
    }

    private JsonNode required(String name) throws CheckpointFormatException {
      JsonNode node = root.get(name);
      if (node == null || node.isNull()) {
        throw error("missing required field '" + name + "'");
      }
      return node;
    }

    private Optional<JsonNode> optional(String name) {
      JsonNode node = root.get(name);
      return node == null || node.isNull() ? Optional.empty() : Optional.of(node);
    }

    int requiredInt(String name) throws CheckpointFormatException {
      return asInt(name, required(name));
    }

    Optional<Integer> optionalInt(String name) throws CheckpointFormatException {
      Optional<JsonNode> node = optional(name);
      return node.isEmpty() ? Optional.empty() : Optional.of(asInt(name, node.get()));
    }

    double requiredDouble(String name) throws CheckpointFormatException {
      return asDouble(name, required(name));
    }

    Optional<Double> optionalDouble(String name) throws CheckpointFormatException {
      Optional<JsonNode> node = optional(name);
      return node.isEmpty() ? Optional.empty() : Optional.of(asDouble(name, node.get()));
    }

    Optional<Boolean> optionalBoolean(String name) throws CheckpointFormatException {
      Optional<JsonNode> node = optional(name);
      if (node.isEmpty()) {
        return Optional.empty();
      }
      if (!node.get().isBoolean()) {
        throw error("field '" + name + "' must be true or false, got " + node.get());
      }
      return Optional.of(node.get().booleanValue());
    }

    Optional<String> optionalString(String name) throws CheckpointFormatException {
      Optional<JsonNode> node = optional(name);
      if (node.isEmpty()) {
        return Optional.empty();
      }
      if (!node.get().isTextual()) {
        throw error("field '" + name + "' must be a string, got " + node.get());
      }
      return Optional.of(node.get().textValue());
    }

    /** A token id field that may be one integer or a non-empty list of them. */
    List<Integer> tokenIds(String name) throws CheckpointFormatException {
      JsonNode node = required(name);
      List<Integer> ids = new ArrayList<>();
      if (node.isArray()) {
        for (JsonNode element : node) {
          ids.add(asInt(name, element));
        }
        if (ids.isEmpty()) {
          throw error("field '" + name + "' is an empty list");
        }
      } else {
        ids.add(asInt(name, node));
      }
      return ids;
    }

    private int asInt(String name, JsonNode node) throws CheckpointFormatException {
      if (!node.isIntegralNumber() || !node.canConvertToInt()) {
        throw error("field '" + name + "' must be an integer, got " + node);
      }
      return node.intValue();
    }

    private double asDouble(String name, JsonNode node) throws CheckpointFormatException {
      if (!node.isNumber()) {
        throw error("field '" + name + "' must be a number, got " + node);
      }
      return node.doubleValue();
    }
  }
}
