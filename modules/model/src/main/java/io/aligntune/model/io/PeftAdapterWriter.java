package io.aligntune.model.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes LoRA adapters in PEFT's on-disk format ({@code adapter_config.json} + {@code
 * adapter_model.safetensors}), which transformers/PEFT and vLLM load on top of the base model. PEFT names
 * tensors {@code base_model.model.<module>.lora_A.weight}; ours are {@code <module>.lora_A.weight}.
 */
public final class PeftAdapterWriter {

  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  static final String PEFT_PREFIX = "base_model.model.";

  private PeftAdapterWriter() {}

  /**
   * @param adapters trainable LoRA tensors under our names
   * @param baseModel what PEFT records as {@code base_model_name_or_path}
   */
  public static void write(Path dir, LoraConfig lora, Map<String, HostTensor> adapters, String baseModel,
      SafetensorsDtype dtype) throws IOException {
    Files.createDirectories(dir);
    Map<String, HostTensor> renamed = new LinkedHashMap<>();
    adapters.forEach((name, t) -> renamed.put(PEFT_PREFIX + name, t));
    SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), renamed, dtype, Map.of("format", "pt"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = json.createObjectNode();
    config.put("peft_type", "LORA");
    config.put("task_type", "CAUSAL_LM");
    config.put("base_model_name_or_path", baseModel);
    config.put("r", lora.rank());
    // peft.LoraConfig types lora_alpha as int: write 16, not 16.0, whenever the value is integral
    if (lora.alpha() == Math.rint(lora.alpha()) && Math.abs(lora.alpha()) < Integer.MAX_VALUE) {
      config.put("lora_alpha", (int) lora.alpha());
    } else {
      config.put("lora_alpha", lora.alpha());
    }
    config.put("lora_dropout", lora.dropout());
    config.put("bias", "none");
    config.put("fan_in_fan_out", false);
    config.put("inference_mode", true);
    ArrayNode targets = config.putArray("target_modules");
    lora.targets().forEach(t -> targets.add(t + "_proj"));
    Files.writeString(dir.resolve(CONFIG_FILE), json.writerWithDefaultPrettyPrinter().writeValueAsString(config));
  }

  /** Reads an adapter written by {@link #write} back under our names (for tests and resumption). */
  public static Map<String, HostTensor> readWeights(Path dir) throws IOException {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    SafetensorsReader.readAll(dir.resolve(WEIGHTS_FILE)).forEach((name, t) -> {
      if (!name.startsWith(PEFT_PREFIX)) {
        throw new IllegalArgumentException(dir.resolve(WEIGHTS_FILE) + ": tensor '" + name + "' is not a PEFT LoRA name");
      }
      out.put(name.substring(PEFT_PREFIX.length()), t);
    });
    return out;
  }
}
