package io.aligntune.core.data.sft;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One supervised fine-tuning example: its text as an ordered list of segments, each either trained on
 * (the completion, an assistant turn, plain text) or only read as context (the prompt, user turns). The
 * concatenation of the segment texts is the full training text.
 *
 * @param segments at least one, at least one of them supervised, none with empty text
 * @param sourceFile the input file it came from
 * @param line its position in the file (see {@link io.aligntune.core.data.Reject} for the meaning)
 */
public record SftExample(List<Segment> segments, String sourceFile, long line) implements Serializable {

  /**
   * @param text the segment's text, non-empty
   * @param supervised whether the model is trained to produce it
   */
  public record Segment(String text, boolean supervised) implements Serializable {
    public Segment {
      Objects.requireNonNull(text, "text");
      if (text.isEmpty()) {
        throw new IllegalArgumentException("a segment's text must not be empty");
      }
    }

    public static Segment context(String text) {
      return new Segment(text, false);
    }

    public static Segment supervised(String text) {
      return new Segment(text, true);
    }
  }

  public SftExample {
    segments = List.copyOf(segments);
    Objects.requireNonNull(sourceFile, "sourceFile");
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("an SFT example needs at least one segment");
    }
    if (segments.stream().noneMatch(Segment::supervised)) {
      throw new IllegalArgumentException("an SFT example needs at least one supervised segment");
    }
    if (line < 0) {
      throw new IllegalArgumentException("line must be >= 0, got " + line);
    }
  }

  /** The full training text. */
  public String text() {
    StringBuilder text = new StringBuilder();
    segments.forEach(segment -> text.append(segment.text()));
    return text.toString();
  }
}
