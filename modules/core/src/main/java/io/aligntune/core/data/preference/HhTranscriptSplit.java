package io.aligntune.core.data.preference;

import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;

/**
 * Splits an Anthropic HH-RLHF transcript pair into prompt and completions.
 *
 * <p>Rule: each transcript's prompt is everything up to and including its <em>last</em>
 * {@code "\n\nAssistant:"}; the two prompts must be the same string, else the record is
 * {@link RejectReason#PROMPT_NOT_SHARED}. Requiring the last marker of each (rather than cutting both at the
 * longest common prefix) keeps every completion a single assistant turn: the few HH records whose
 * transcripts diverge earlier (one side has extra turns, or a turn with the "Human:" text glued inline)
 * would otherwise train on completions that contain the human's next message.
 *
 * <p>Nothing is stripped: the prompt ends with {@code "Assistant:"} and each completion keeps its leading
 * space ({@code " Sure, ..."}), so {@code prompt + chosen} is the original chosen transcript exactly, and
 * BPE tokenizers see the answer's first word with its space as they would mid-text. A completion that is
 * only whitespace ({@code "\n\nAssistant: "} at the end: the model said nothing) is
 * {@link RejectReason#EMPTY_FIELD}.
 *
 * @param prompt the shared context, ending with {@code "\n\nAssistant:"}
 * @param chosen the rest of the chosen transcript
 * @param rejected the rest of the rejected transcript
 */
public record HhTranscriptSplit(String prompt, String chosen, String rejected) {

  /** The marker that opens an assistant turn in HH transcripts. */
  public static final String ASSISTANT_MARKER = "\n\nAssistant:";

  /** Splits a transcript pair, throwing a {@link RecordRejection} that names the failing field. */
  public static HhTranscriptSplit of(String chosenTranscript, String rejectedTranscript) {
    int chosenCut = chosenTranscript.lastIndexOf(ASSISTANT_MARKER);
    if (chosenCut < 0) {
      throw new RecordRejection("chosen", RejectReason.PROMPT_NOT_SHARED,
          "the chosen transcript has no \"\\n\\nAssistant:\" turn");
    }
    int rejectedCut = rejectedTranscript.lastIndexOf(ASSISTANT_MARKER);
    if (rejectedCut < 0) {
      throw new RecordRejection("rejected", RejectReason.PROMPT_NOT_SHARED,
          "the rejected transcript has no \"\\n\\nAssistant:\" turn");
    }
    int promptEnd = chosenCut + ASSISTANT_MARKER.length();
    if (rejectedCut != chosenCut || !chosenTranscript.regionMatches(0, rejectedTranscript, 0, promptEnd)) {
      throw new RecordRejection("rejected", RejectReason.PROMPT_NOT_SHARED,
          "chosen and rejected differ before their last \"\\n\\nAssistant:\" (chosen's is at character "
              + chosenCut + ", rejected's at " + rejectedCut + ", first difference at character "
              + firstDifference(chosenTranscript, rejectedTranscript) + ")");
    }
    String chosen = chosenTranscript.substring(promptEnd);
    String rejected = rejectedTranscript.substring(promptEnd);
    if (chosen.isBlank()) {
      throw new RecordRejection("chosen", RejectReason.EMPTY_FIELD, "the chosen transcript's last assistant turn is empty");
    }
    if (rejected.isBlank()) {
      throw new RecordRejection("rejected", RejectReason.EMPTY_FIELD,
          "the rejected transcript's last assistant turn is empty");
    }
    return new HhTranscriptSplit(chosenTranscript.substring(0, promptEnd), chosen, rejected);
  }

  private static int firstDifference(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      if (a.charAt(i) != b.charAt(i)) {
        return i;
      }
    }
    return n;
  }
}
