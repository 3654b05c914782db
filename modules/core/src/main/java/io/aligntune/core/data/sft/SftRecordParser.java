package io.aligntune.core.data.sft;

import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordFields;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.chat.ChatMessage;
import io.aligntune.core.data.chat.ChatMessageFields;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.chat.RenderedConversation;
import io.aligntune.core.data.sft.SftExample.Segment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Reads one SFT record, in any {@link SftFormat}, into an {@link SftExample} or a reject. Field checks are
 * those of {@link RecordFields}: absent is {@code missing_field}, another type or null is
 * {@code wrong_type}, blank text is {@code empty_field}.
 *
 * <p>How each layout becomes segments (supervised ones in brackets):
 * <ul>
 *   <li>{@code prompt/completion}: {@code prompt}, [{@code completion}]; a {@code messages}-style prompt is
 *       rendered with the generation prompt and the completion as the text its assistant message adds;
 *   <li>{@code messages}: rendered turn by turn (see {@link RenderedConversation#turns}): everything up to
 *       and including each assistant header is context, each assistant turn (content plus the template's
 *       end-of-turn text) is [supervised]; messages after the last assistant one stay as context;
 *   <li>Alpaca: {@link AlpacaPromptTemplate} prompt, [{@code output}];
 *   <li>{@code text}: [{@code text}] (continued pre-training).
 * </ul>
 */
public final class SftRecordParser implements RecordParser<SftExample> {

  private static final long serialVersionUID = 1L;

  private final SftFormat format;
  private final ChatRenderer renderer;
  private final AlpacaPromptTemplate alpacaTemplate;

  /**
   * @param format the layout every record must have, or {@link SftFormat#AUTO}
   * @param renderer renders chat layouts
   * @param alpacaTemplate which Alpaca variant to use for Alpaca records
   */
  public SftRecordParser(SftFormat format, ChatRenderer renderer, AlpacaPromptTemplate alpacaTemplate) {
    this.format = Objects.requireNonNull(format, "format");
    this.renderer = Objects.requireNonNull(renderer, "renderer");
    this.alpacaTemplate = Objects.requireNonNull(alpacaTemplate, "alpacaTemplate");
  }

  /** With the original {@link AlpacaPromptTemplate#STANFORD} template for Alpaca records. */
  public SftRecordParser(SftFormat format, ChatRenderer renderer) {
    this(format, renderer, AlpacaPromptTemplate.STANFORD);
  }

  @Override
  public Parsed<SftExample> parse(JsonNode record, String sourceFile, long line) {
    try {
      RecordFields.requireObject(record);
      SftFormat layout = format == SftFormat.AUTO ? detect(record) : format;
      List<Segment> segments = switch (layout) {
        case PROMPT_COMPLETION -> promptCompletion(record);
        case MESSAGES -> messages(record);
        case ALPACA -> alpaca(record);
        case TEXT -> List.of(Segment.supervised(RecordFields.requireText(record, "text", "text")));
        case AUTO -> throw new IllegalStateException("detect() never answers AUTO");
      };
      return Parsed.accepted(new SftExample(segments, sourceFile, line));
    } catch (RecordRejection rejection) {
      return Parsed.rejected(rejection.toReject(sourceFile, line));
    }
  }

  /**
   * The layout of {@code record}, from its keys; the first rule that matches wins: {@code messages} →
   * {@link SftFormat#MESSAGES}; {@code instruction} or {@code output} → {@link SftFormat#ALPACA};
   * {@code prompt} or {@code completion} → {@link SftFormat#PROMPT_COMPLETION}; {@code text} →
   * {@link SftFormat#TEXT}; otherwise {@link RejectReason#UNKNOWN_FORMAT}.
   */
  public static SftFormat detect(JsonNode record) {
    if (record.has("messages")) {
      return SftFormat.MESSAGES;
    }
    if (record.has("instruction") || record.has("output")) {
      return SftFormat.ALPACA;
    }
    if (record.has("prompt") || record.has("completion")) {
      return SftFormat.PROMPT_COMPLETION;
    }
    if (record.has("text")) {
      return SftFormat.TEXT;
    }
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = record.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    throw new RecordRejection("", RejectReason.UNKNOWN_FORMAT, "keys " + keys
        + " match no SFT format (expected prompt/completion, messages, instruction/input/output, or text)");
  }

  private List<Segment> promptCompletion(JsonNode record) {
    JsonNode prompt = RecordFields.require(record, "prompt", "prompt");
    JsonNode completion = RecordFields.require(record, "completion", "completion");
    if (prompt.isArray()) {
      List<ChatMessage> messages = ChatMessageFields.prompt(prompt, "prompt");
      ChatMessage answer = ChatMessageFields.assistantAnswer(completion, "completion");
      return List.of(
          Segment.context(RenderedConversation.promptText(renderer, messages)),
          Segment.supervised(RenderedConversation.completionText(renderer, messages, answer, "completion")));
    }
    return List.of(
        Segment.context(RecordFields.text(prompt, "prompt")),
        Segment.supervised(RecordFields.text(completion, "completion")));
  }

  private List<Segment> messages(JsonNode record) {
    List<ChatMessage> conversation =
        ChatMessageFields.conversation(RecordFields.require(record, "messages", "messages"), "messages");
    List<Segment> segments = new ArrayList<>();
    for (RenderedConversation.Turn turn : RenderedConversation.turns(renderer, conversation, "messages")) {
      segments.add(new Segment(turn.text(), turn.assistant()));
    }
    return segments;
  }

  private List<Segment> alpaca(JsonNode record) {
    String instruction = RecordFields.requireText(record, "instruction", "instruction");
    JsonNode inputValue = record.get("input");
    String input = null;
    if (inputValue != null && !inputValue.isNull()) {
      if (!inputValue.isTextual()) {
        throw RecordFields.wrongType("input", inputValue, "text");
      }
      input = inputValue.textValue();
    }
    String output = RecordFields.requireText(record, "output", "output");
    return List.of(Segment.context(alpacaTemplate.prompt(instruction, input)), Segment.supervised(output));
  }
}
