package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {

  /** Field for field what transformers writes for TinyLlama-1.1B (trimmed of unused keys). */
  private static final String TINYLLAMA =
      """
      {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": false,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": 2048,
        "initializer_range": 0.02,
        "intermediate_size": 5632,
        "max_position_embeddings": 2048,
        "model_type": "llama",
        "num_attention_heads": 32,
        "num_hidden_layers": 22,
        "num_key_value_heads": 4,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": null,
        "rope_theta": 10000.0,
        "tie_word_embeddings": false,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.35.0",
        "use_cache": true,
        "vocab_size": 32000
      }
      """;

  @TempDir Path dir;

  private Path config(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  private String fails(String json) throws IOException {
    Path file = config(json);
    CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> HfConfigReader.read(file));
    assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    return e.getMessage().substring(file.toString().length() + 2);
  }

  @Test
  void readsARealLlamaConfig() throws IOException {
    HfConfig hf = HfConfigReader.read(config(TINYLLAMA));
    assertEquals(
        new LlamaConfig(2048, 5632, 22, 32, 4, 32000, 2048, 1e-5, 10000.0, false, 1, 2, 64), hf.llama());
    assertEquals(List.of(2), hf.eosTokenIds());
    assertEquals("llama", hf.modelType());
    assertEquals(Optional.of("bfloat16"), hf.torchDtype());
    assertEquals(hf.llama(), HfConfigReader.readLlamaConfig(dir)); // a directory works too
  }

  @Test
  void appliesDefaultsAndTakesTheFirstOfSeveralEosIds() throws IOException {
    String json =
        "{\"model_type\":\"mistral\",\"hidden_size\":64,\"intermediate_size\":172,\"num_hidden_layers\":5,"
            + "\"num_attention_heads\":8,\"vocab_size\":512,\"max_position_embeddings\":512,"
            + "\"rms_norm_eps\":1e-5,\"bos_token_id\":1,\"eos_token_id\":[2,7,9],\"dtype\":\"float32\"}";
    HfConfig hf = HfConfigReader.read(config(json));
    assertEquals(new LlamaConfig(64, 172, 5, 8, 8, 512, 512, 1e-5, 10000.0, false, 1, 2, 0), hf.llama());
    assertEquals(List.of(2, 7, 9), hf.eosTokenIds());
    assertEquals(Optional.of("float32"), hf.torchDtype());
  }

  @Test
  void missingRequiredFieldIsNamed() throws IOException {
    assertEquals("missing required field 'hidden_size'", fails(TINYLLAMA.replace("\"hidden_size\": 2048,", "")));
    assertEquals("missing required field 'bos_token_id'", fails(TINYLLAMA.replace("\"bos_token_id\": 1,", "\"bos_token_id\": null,")));
  }

  @Test
  void wrongTypesAreNamed() throws IOException {
    assertEquals(
        "field 'num_hidden_layers' must be an integer, got \"22\"",
        fails(TINYLLAMA.replace("\"num_hidden_layers\": 22", "\"num_hidden_layers\": \"22\"")));
    assertEquals(
        "field 'hidden_size' must be an integer, got 2048.5",
        fails(TINYLLAMA.replace("\"hidden_size\": 2048", "\"hidden_size\": 2048.5")));
    assertEquals(
        "field 'tie_word_embeddings' must be true or false, got \"no\"",
        fails(TINYLLAMA.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": \"no\"")));
  }

  @Test
  void architectureValidationIsPrefixedWithTheFile() throws IOException {
    assertEquals(
        "num_key_value_heads 5 must divide num_attention_heads 32",
        fails(TINYLLAMA.replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 5")));
    assertEquals(
        "eos_token_id 40000 is outside [0, vocab_size=32000)",
        fails(TINYLLAMA.replace("\"eos_token_id\": 2", "\"eos_token_id\": [2, 40000]")));
  }

  @Test
  void unsupportedArchitecturesAndFeaturesAreRefused() throws IOException {
    assertEquals(
        "model_type 'qwen2' is not a Llama-architecture model (supported: llama, mistral)",
        fails(TINYLLAMA.replace("\"model_type\": \"llama\"", "\"model_type\": \"qwen2\"")));
    assertTrue(
        fails(TINYLLAMA.replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}"))
            .startsWith("rope_scaling {\"rope_type\":\"llama3\",\"factor\":8.0} is not supported"));
    assertEquals(
        "attention_bias=true is not supported (the model has no projection biases)",
        fails(TINYLLAMA.replace("\"attention_bias\": false", "\"attention_bias\": true")));
  }

  @Test
  void writerOutputReadsBackToTheSameConfig() throws IOException {
    LlamaConfig original = new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 1e-5, 10000.0, true, 1, 2, 0);
    Path file = dir.resolve("written/config.json");
    HfConfigWriter.write(file, original, List.of(2, 5), SafetensorsDtype.BF16);
    HfConfig back = HfConfigReader.read(file);
    assertEquals(original, back.llama());
    assertEquals(List.of(2, 5), back.eosTokenIds());
    assertEquals(Optional.of("bfloat16"), back.torchDtype());
    String text = Files.readString(file);
    assertTrue(text.contains("\"architectures\" : [ \"LlamaForCausalLM\" ]"), text);
    assertTrue(text.contains("\"rms_norm_eps\" : 1.0E-5"), text);
  }
}
