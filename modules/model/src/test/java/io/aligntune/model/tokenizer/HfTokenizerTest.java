package io.aligntune.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.chat.ChatMessage;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.chat.RenderedConversation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Golden ids from shared/data/SOURCES.md section 5; each tokenizer is loaded once (Llama 3's is 9 MB). */
class HfTokenizerTest {

  private static HfTokenizer gpt2;
  private static HfTokenizer llama3;

  @BeforeAll
  static void load() throws IOException {
    gpt2 = HfTokenizer.load(SharedTokenizerAssets.gpt2Directory());
    llama3 = HfTokenizer.load(SharedTokenizerAssets.llama3Directory());
  }

  @AfterAll
  static void close() {
    if (gpt2 != null) {
      gpt2.close();
    }
    if (llama3 != null) {
      llama3.close();
    }
  }

  @Test
  void gpt2EncodesTheGoldens() {
    assertArrayEquals(new int[] {31373, 995}, gpt2.encode("hello world"));
    assertArrayEquals(new int[] {15496, 995}, gpt2.encode("Hello world"));
    assertArrayEquals(new int[] {15496, 11, 616, 3290, 318, 13779}, gpt2.encode("Hello, my dog is cute"));
    assertArrayEquals(new int[] {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13},
        gpt2.encode("The quick brown fox jumps over the lazy dog."));
  }

  @Test
  void llama3EncodesTheGoldensWithoutAddingBos() {
    assertArrayEquals(new int[] {15339, 1917}, llama3.encode("hello world"));
    assertArrayEquals(new int[] {9906, 11, 856, 5679, 374, 19369}, llama3.encode("Hello, my dog is cute"));
    assertArrayEquals(new int[0], llama3.encode(""));
  }

  @Test
  void specialIdsAndSizesComeFromTheConfigAndVocabulary() {
    assertEquals(128000, llama3.bosId());
    assertEquals(128001, llama3.eosId());
    assertEquals(128256, llama3.vocabSize());
    assertEquals(Optional.of("<|begin_of_text|>"), llama3.bosToken());
    assertTrue(llama3.addBosToken(), "absent add_bos_token defaults to true");

    assertEquals(50256, gpt2.bosId());
    assertEquals(50256, gpt2.eosId());
    assertEquals(50257, gpt2.vocabSize());
  }

  static List<String> texts() {
    return List.of(
        "hello world",
        "Привет, мир! Ёжик в тумане.",
        "日本語のテキスト、中文文本。",
        "emoji 😀🎉 family 👩‍👩‍👧 flag 🇫🇷",
        "combining e\u0301 a\u0308 Z\u0324\u0354\u0367",
        "line1\nline2\r\n\tindented\n\n  trailing  ",
        "GPT-2 keeps spaces before punctuation , like this . and 's");
  }

  @ParameterizedTest
  @MethodSource("texts")
  void decodeRoundTripsExactly(String text) {
    assertEquals(text, gpt2.decode(gpt2.encode(text)));
    assertEquals(text, llama3.decode(llama3.encode(text)));
  }

  @Test
  void decodeDropsBosAndEos() {
    int[] ids = {128000, 15339, 1917, 128001};
    assertEquals("hello world", llama3.decode(ids));
  }

  @Test
  void longTextsAreNeitherTruncatedNorPadded() {
    String text = StoriesReference.TEXT.repeat(20);
    int[] ids = gpt2.encode(text);
    assertTrue(ids.length > 1_024, "only " + ids.length + " tokens: truncated?");
    assertEquals(text, gpt2.decode(ids));
    assertEquals(2, gpt2.encode("hello world").length, "padded?");
  }

  @Test
  void outOfRangeIdsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {50257}));
    assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {-1}));
  }

  private static final List<Map<String, String>> SYSTEM_AND_USER = List.of(
      Map.of("role", "system", "content", "You are a helpful assistant."),
      Map.of("role", "user", "content", "What is 2 + 2?"));

  /**
   * Derived by reading llama3/tokenizer_config.json's template: per message
   * {@code <|start_header_id|>ROLE<|end_header_id|>\n\n} + trimmed content + {@code <|eot_id|>}, bos_token
   * before the first one, then the assistant header, which this template writes whatever
   * add_generation_prompt says.
   */
  private static final String LLAMA3_RENDERED = "<|begin_of_text|>"
      + "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
      + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2 + 2?<|eot_id|>"
      + "<|start_header_id|>assistant<|end_header_id|>\n\n";

  @Test
  void rendersTheLlama3ChatTemplate() {
    assertEquals(Optional.of(LLAMA3_RENDERED), llama3.applyChatTemplate(SYSTEM_AND_USER, true));
    assertEquals(Optional.of(LLAMA3_RENDERED), llama3.applyChatTemplate(SYSTEM_AND_USER, false));
  }

  /**
   * Multi-turn SFT data through this template: each answer's turn is the answer and {@code <|eot_id|>}, not the
   * assistant header the template forces at the end (ForcedGenerationPromptGuard), and the conversation renders
   * incrementally (without the guard the second context does not start with the first answer's rendering
   * and the record is rejected as chat_template_not_prefix).
   */
  @Test
  void multiTurnConversationsSplitIntoTurnsUnderTheLlama3Template() {
    List<ChatMessage> conversation = List.of(new ChatMessage("user", "2+2?"), ChatMessage.assistant("4"),
        new ChatMessage("user", "And 3+3?"), ChatMessage.assistant("6"));
    List<RenderedConversation.Turn> turns = RenderedConversation.turns(ChatRenderer.templateOf(llama3), conversation,
        "messages");
    String header = "<|start_header_id|>%s<|end_header_id|>\n\n";
    assertEquals(List.of(
        new RenderedConversation.Turn("<|begin_of_text|>" + header.formatted("user") + "2+2?<|eot_id|>"
            + header.formatted("assistant"), false),
        new RenderedConversation.Turn("4<|eot_id|>", true),
        new RenderedConversation.Turn(header.formatted("user") + "And 3+3?<|eot_id|>" + header.formatted("assistant"), false),
        new RenderedConversation.Turn("6<|eot_id|>", true)), turns);
  }

  @Test
  void theLlama3TemplateTrimsOnlyTheContent() {
    // `... + message['content'] | trim + ...`: in Jinja2 the filter binds tighter than +.
    List<Map<String, String>> messages = List.of(Map.of("role", "user", "content", "  \n Hi there!\n\n "));
    assertEquals(Optional.of("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n"), llama3.applyChatTemplate(messages, true));
  }

  @Test
  void messageContentIsNeverInterpretedAsTemplate() {
    List<Map<String, String>> messages = List.of(Map.of("role", "user", "content", "{{ bos_token }} {% if 1 %}x{% endif %}"));
    String rendered = llama3.applyChatTemplateWithoutBos(messages, true).orElseThrow();
    assertTrue(rendered.contains("\n\n{{ bos_token }} {% if 1 %}x{% endif %}<|eot_id|>"), rendered);
  }

  @Test
  void withoutBosTheRenderedChatEncodesToExactlyOneBosAfterAnExplicitOne() {
    String withoutBos = llama3.applyChatTemplateWithoutBos(SYSTEM_AND_USER, true).orElseThrow();
    assertEquals(LLAMA3_RENDERED.substring("<|begin_of_text|>".length()), withoutBos);

    int[] ids = llama3.encode(withoutBos);
    assertEquals(128006, ids[0], "starts with <|start_header_id|>");
    assertEquals(0, Arrays.stream(ids).filter(id -> id == 128000).count());
    // The full rendering, by contrast, already holds the BOS id: encoded after an explicit BOS it doubles.
    assertEquals(128000, llama3.encode(LLAMA3_RENDERED)[0]);
    assertEquals(2, Arrays.stream(ids).filter(id -> id == 128009).count(), "one <|eot_id|> per message");
  }

  @Test
  void gpt2HasNoChatTemplate() {
    assertEquals(Optional.empty(), gpt2.applyChatTemplate(SYSTEM_AND_USER, true));
    assertEquals(Optional.empty(), gpt2.applyChatTemplateWithoutBos(SYSTEM_AND_USER, true));
  }

  @Test
  void loadingOptsOutOfDjlTelemetry() {
    // Without this (or DJL's offline mode) DJL contacts the EC2 metadata address on every load.
    assertTrue(System.getProperty("OPT_OUT_TRACKING") != null || System.getenv("OPT_OUT_TRACKING") != null);
  }

  @Test
  void missingTokenizerJsonNamesTheDirectory(@TempDir Path empty) {
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> HfTokenizer.load(empty));
    assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }

  @Test
  void readsObjectFormTokensAddBosAndATemplateThatRaises(@TempDir Path dir) throws IOException {
    Files.copy(SharedTokenizerAssets.gpt2Directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer_config.json"), """
        {"bos_token": {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": false},
         "eos_token": "<|endoftext|>",
         "add_bos_token": false,
         "chat_template": "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{{ m['role'] }}: {{ m['content'] }}\\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}"}
        """);
    try (HfTokenizer t = HfTokenizer.load(dir)) {
      assertEquals(50256, t.bosId());
      assertFalse(t.addBosToken());
      List<Map<String, String>> user = List.of(Map.of("role", "user", "content", "hi"));
      assertEquals(Optional.of("user: hi\nassistant:"), t.applyChatTemplate(user, true));
      assertEquals(Optional.of("user: hi\n"), t.applyChatTemplate(user, false));
      ChatTemplateException e = assertThrows(ChatTemplateException.class,
          () -> t.applyChatTemplate(SYSTEM_AND_USER, true));
      assertEquals("System role not supported", e.getMessage());
    }
  }

  @Test
  void aConfiguredTokenMissingFromTheVocabularyIsAnError(@TempDir Path dir) throws IOException {
    Files.copy(SharedTokenizerAssets.gpt2Directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
    IOException e = assertThrows(IOException.class, () -> HfTokenizer.load(dir));
    assertTrue(e.getMessage().contains("'<s>'"), e.getMessage());
  }
}
