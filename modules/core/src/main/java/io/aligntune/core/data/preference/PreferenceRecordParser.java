package io.aligntune.core.data.preference;

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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Reads one preference record, in any {@link PreferenceFormat}, into {@link PreferencePair}s or a reject.
 *
 * <p>Checks, in this order, with the first failure reported: the record is an object; required fields are
 * present ({@code missing_field}), of the right type ({@code wrong_type}: JSON null included) and not blank
 * ({@code empty_field}); format-specific rules (a shared HH prompt, one assistant message per output, score
 * lists that match the responses and are finite); chosen and rejected differ as strings
 * ({@code identical_chosen_rejected}, compared after rendering, which is what would be trained on).
 *
 * <p>Chat layouts are rendered with the {@link ChatRenderer} given at construction: the prompt with the
 * generation prompt, each completion as the text its assistant message adds (see
 * {@link RenderedConversation}). Text layouts are used verbatim.
 */
public final class PreferenceRecordParser implements RecordParser<PreferencePair> {

  private static final long serialVersionUID = 1L;

  private final PreferenceFormat format;
  private final ChatRenderer renderer;

  /**
   * @param format the layout every record must have, or {@link PreferenceFormat#AUTO} to detect it per
   *     record
   * @param renderer renders chat layouts; {@link ChatRenderer#plain()} when the tokenizer has no template
   */
  public PreferenceRecordParser(PreferenceFormat format, ChatRenderer renderer) {
    this.format = Objects.requireNonNull(format, "format");
    this.renderer = Objects.requireNonNull(renderer, "renderer");
  }

  /** Detects the layout per record. */
  public static PreferenceRecordParser autoDetect(ChatRenderer renderer) {
    return new PreferenceRecordParser(PreferenceFormat.AUTO, renderer);
  }

  @Override
  public Parsed<PreferencePair> parse(JsonNode record, String sourceFile, long line) {
    try {
      RecordFields.requireObject(record);
      PreferenceFormat layout = format == PreferenceFormat.AUTO ? detect(record) : format;
      return Parsed.accepted(switch (layout) {
        case PROMPT_CHOSEN_REJECTED -> List.of(promptChosenRejected(record, sourceFile, line));
        case CHAT -> List.of(chat(record, sourceFile, line));
        case HH_TRANSCRIPT -> List.of(hhTranscript(record, sourceFile, line));
        case PREFERRED_OUTPUT -> List.of(preferredOutput(record, sourceFile, line));
        case RANKED -> ranked(record, sourceFile, line);
        case AUTO -> throw new IllegalStateException("detect() never answers AUTO");
      });
    } catch (RecordRejection rejection) {
      return Parsed.rejected(rejection.toReject(sourceFile, line));
    }
  }

  /**
   * The layout of {@code record}, from its keys; the first rule that matches wins:
   * <ol>
   *   <li>{@code preferred_output} or {@code non_preferred_output} present: {@link PreferenceFormat#PREFERRED_OUTPUT};
   *   <li>{@code responses} or {@code scores} present: {@link PreferenceFormat#RANKED};
   *   <li>{@code chosen} or {@code rejected} present with {@code prompt} or {@code messages}:
   *       {@link PreferenceFormat#CHAT} when that prompt value is an array, else
   *       {@link PreferenceFormat#PROMPT_CHOSEN_REJECTED};
   *   <li>{@code chosen} or {@code rejected} present without a prompt: {@link PreferenceFormat#HH_TRANSCRIPT};
   *   <li>otherwise {@link RejectReason#UNKNOWN_FORMAT}.
   * </ol>
   * Any one key of a layout selects it, so that a record missing its second key is reported as
   * {@code missing_field} for that key rather than as an unknown format.
   */
  public static PreferenceFormat detect(JsonNode record) {
    if (record.has("preferred_output") || record.has("non_preferred_output")) {
      return PreferenceFormat.PREFERRED_OUTPUT;
    }
    if (record.has("responses") || record.has("scores")) {
      return PreferenceFormat.RANKED;
    }
    if (record.has("chosen") || record.has("rejected")) {
      JsonNode prompt = record.has("prompt") ? record.get("prompt") : record.get("messages");
      if (prompt == null) {
        return PreferenceFormat.HH_TRANSCRIPT;
      }
      return prompt.isArray() ? PreferenceFormat.CHAT : PreferenceFormat.PROMPT_CHOSEN_REJECTED;
    }
    throw new RecordRejection("", RejectReason.UNKNOWN_FORMAT,
        "keys " + keys(record) + " match no preference format (expected prompt/chosen/rejected, "
            + "chosen/rejected transcripts, input/preferred_output/non_preferred_output, or prompt/responses/scores)");
  }

  private static PreferencePair promptChosenRejected(JsonNode record, String sourceFile, long line) {
    String prompt = RecordFields.requireText(record, "prompt", "prompt");
    String chosen = RecordFields.requireText(record, "chosen", "chosen");
    String rejected = RecordFields.requireText(record, "rejected", "rejected");
    return pair(prompt, chosen, rejected, sourceFile, line);
  }

  private PreferencePair chat(JsonNode record, String sourceFile, long line) {
    String promptField = promptField(record);
    List<ChatMessage> prompt = ChatMessageFields.prompt(record.get(promptField), promptField);
    ChatMessage chosen = ChatMessageFields.assistantAnswer(RecordFields.require(record, "chosen", "chosen"), "chosen");
    ChatMessage rejected =
        ChatMessageFields.assistantAnswer(RecordFields.require(record, "rejected", "rejected"), "rejected");
    return renderedPair(prompt, chosen, rejected, sourceFile, line);
  }

  private static PreferencePair hhTranscript(JsonNode record, String sourceFile, long line) {
    String chosen = RecordFields.requireText(record, "chosen", "chosen");
    String rejected = RecordFields.requireText(record, "rejected", "rejected");
    requireDifferent(chosen, rejected, "rejected");
    HhTranscriptSplit split = HhTranscriptSplit.of(chosen, rejected);
    return pair(split.prompt(), split.chosen(), split.rejected(), sourceFile, line);
  }

  private PreferencePair preferredOutput(JsonNode record, String sourceFile, long line) {
    JsonNode input = RecordFields.requireObjectField(record, "input", "input");
    List<ChatMessage> prompt =
        ChatMessageFields.prompt(RecordFields.require(input, "messages", "input.messages"), "input.messages");
    ChatMessage chosen = ChatMessageFields.assistantAnswer(
        RecordFields.requireArray(record, "preferred_output", "preferred_output"), "preferred_output");
    ChatMessage rejected = ChatMessageFields.assistantAnswer(
        RecordFields.requireArray(record, "non_preferred_output", "non_preferred_output"), "non_preferred_output");
    return renderedPair(prompt, chosen, rejected, sourceFile, line);
  }

  private List<PreferencePair> ranked(JsonNode record, String sourceFile, long line) {
    JsonNode promptValue = RecordFields.require(record, "prompt", "prompt");
    JsonNode responsesValue = RecordFields.requireArray(record, "responses", "responses");
    JsonNode scoresValue = RecordFields.requireArray(record, "scores", "scores");
    if (responsesValue.size() != scoresValue.size()) {
      throw new RecordRejection("scores", RejectReason.INVALID_VALUE,
          responsesValue.size() + " responses but " + scoresValue.size() + " scores");
    }
    if (responsesValue.size() < 2) {
      throw new RecordRejection("responses", RejectReason.INVALID_VALUE,
          "a ranked list needs at least 2 responses, found " + responsesValue.size());
    }
    double[] scores = new double[scoresValue.size()];
    for (int i = 0; i < scores.length; i++) {
      JsonNode score = scoresValue.get(i);
      String path = "scores[" + i + "]";
      if (!score.isNumber()) {
        throw RecordFields.wrongType(path, score, "a number");
      }
      scores[i] = score.doubleValue();
      if (!Double.isFinite(scores[i])) {
        throw new RecordRejection(path, RejectReason.INVALID_VALUE, "score " + scores[i] + " is not a finite number");
      }
    }
    List<String> responses = new ArrayList<>(scores.length);
    if (promptValue.isArray()) {
      List<ChatMessage> prompt = ChatMessageFields.prompt(promptValue, "prompt");
      for (int i = 0; i < scores.length; i++) {
        String path = "responses[" + i + "]";
        ChatMessage answer = ChatMessageFields.assistantAnswer(responsesValue.get(i), path);
        responses.add(RenderedConversation.completionText(renderer, prompt, answer, path));
      }
      return RankedPairs.build(RenderedConversation.promptText(renderer, prompt), responses, scores, sourceFile, line);
    }
    String prompt = RecordFields.text(promptValue, "prompt");
    for (int i = 0; i < scores.length; i++) {
      responses.add(RecordFields.text(responsesValue.get(i), "responses[" + i + "]"));
    }
    return RankedPairs.build(prompt, responses, scores, sourceFile, line);
  }

  private PreferencePair renderedPair(List<ChatMessage> prompt, ChatMessage chosen, ChatMessage rejected,
      String sourceFile, long line) {
    requireDifferent(chosen.content(), rejected.content(), "rejected");
    String promptText = RenderedConversation.promptText(renderer, prompt);
    String chosenText = RenderedConversation.completionText(renderer, prompt, chosen, "chosen");
    String rejectedText = RenderedConversation.completionText(renderer, prompt, rejected, "rejected");
    return pair(promptText, chosenText, rejectedText, sourceFile, line);
  }

  private static PreferencePair pair(String prompt, String chosen, String rejected, String sourceFile, long line) {
    requireDifferent(chosen, rejected, "rejected");
    if (prompt.isEmpty()) {
      throw new RecordRejection("prompt", RejectReason.EMPTY_FIELD, "the rendered prompt is empty");
    }
    return new PreferencePair(prompt, chosen, rejected, sourceFile, line);
  }

  private static void requireDifferent(String chosen, String rejected, String field) {
    if (chosen.equals(rejected)) {
      throw new RecordRejection(field, RejectReason.IDENTICAL_CHOSEN_REJECTED,
          "chosen and rejected are the same text (" + chosen.length() + " characters)");
    }
  }

  private static String promptField(JsonNode record) {
    boolean hasPrompt = record.has("prompt");
    boolean hasMessages = record.has("messages");
    if (hasPrompt && hasMessages) {
      throw new RecordRejection("messages", RejectReason.INVALID_VALUE,
          "both 'prompt' and 'messages' are present; which one is the prompt is ambiguous");
    }
    if (!hasPrompt && !hasMessages) {
      throw new RecordRejection("prompt", RejectReason.MISSING_FIELD, "required field 'prompt' (or 'messages') is absent");
    }
    return hasPrompt ? "prompt" : "messages";
  }

  private static List<String> keys(JsonNode record) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = record.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
