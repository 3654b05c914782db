package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.lora.LoraWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter folder as PEFT ({@code PeftModel.from_pretrained}) reads it: the config keys of
 * {@code peft.LoraConfig}, and tensor names {@code base_model.model.<HF module>.lora_A.weight} with A of
 * shape [r, in] and B of shape [out, r] (torch {@code Linear} layout). The safetensors header is parsed here
 * by hand, not with the project's reader, so a shared misunderstanding cannot hide.
 */
class PeftAdapterWriterTest {

  // GQA (kv 2 of 4 heads) and intermediate != hidden, so every projection has a distinct in/out
  static final LlamaConfig CONFIG = new LlamaConfig(32, 48, 2, 4, 2, 61, 64, 1e-5, 10000.0, false, 1, 2, 0);
  static final LoraConfig LORA = new LoraConfig(4, 8, 0.05, List.of("q", "k", "v", "o", "gate", "up", "down"));
  static final Pattern PEFT_NAME = Pattern.compile(
      "base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(q|k|v|o|gate|up|down)_proj\\.lora_([AB])\\.weight");

  @Test
  void configAndTensorNamesFollowPeft(@TempDir Path dir) throws Exception {
    Map<String, HostTensor> adapters = LoraWeights.initial(CONFIG, LORA, 3);
    PeftAdapterWriter.write(dir, LORA, adapters, "stories260K", SafetensorsDtype.F32);

    JsonNode config = new ObjectMapper().readTree(dir.resolve(PeftAdapterWriter.CONFIG_FILE).toFile());
    assertEquals("LORA", config.path("peft_type").asText());
    assertEquals("CAUSAL_LM", config.path("task_type").asText());
    assertEquals("stories260K", config.path("base_model_name_or_path").asText());
    assertEquals(4, config.path("r").asInt());
    assertTrue(config.path("r").isInt(), "r is an int");
    assertEquals(8.0, config.path("lora_alpha").asDouble(), 0);
    assertTrue(config.path("lora_alpha").isInt(), "an integral lora_alpha is written as an int, as peft.LoraConfig types it");
    assertEquals(0.05, config.path("lora_dropout").asDouble(), 0);
    List<String> targets = new ArrayList<>();
    config.path("target_modules").forEach(t -> targets.add(t.asText()));
    assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"), targets);

    JsonNode header = safetensorsHeader(dir.resolve(PeftAdapterWriter.WEIGHTS_FILE));
    Set<String> names = new HashSet<>();
    header.fieldNames().forEachRemaining(names::add);
    names.remove("__metadata__");
    assertEquals(2 * 7 * CONFIG.numHiddenLayers(), names.size());
    for (String name : names) {
      Matcher m = PEFT_NAME.matcher(name);
      assertTrue(m.matches(), "not a PEFT LoRA tensor name: " + name);
      String module = m.group(3);
      assertEquals(List.of("gate", "up", "down").contains(module) ? "mlp" : "self_attn", m.group(2), name);
      int[] inOut = LoraWeights.inOut(CONFIG, module);
      List<Long> expected = m.group(4).equals("A") ? List.of(4L, (long) inOut[0]) : List.of((long) inOut[1], 4L);
      List<Long> shape = new ArrayList<>();
      header.path(name).path("shape").forEach(d -> shape.add(d.asLong()));
      assertEquals(expected, shape, name);
      assertEquals("F32", header.path(name).path("dtype").asText(), name);
    }
    assertTrue(names.contains("base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight"));
    assertTrue(names.contains("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"));
    assertEquals("pt", header.path("__metadata__").path("format").asText());
    assertEquals(adapters.keySet(), PeftAdapterWriter.readWeights(dir).keySet(), "reads back under our names");
  }

  /** The JSON header of a safetensors file: an 8-byte little-endian length, then that many bytes of JSON. */
  static JsonNode safetensorsHeader(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return new ObjectMapper().readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
  }
}
