package io.aligntune.core.data.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads a file holding one JSON array of records (the Stanford Alpaca layout), streaming element by element
 * so that a large array is never held in memory. Positions are 0-based element indexes.
 *
 * <p>Unlike JSONL, a syntax error inside an array leaves no reliable point to resume from (the next
 * element's start is unknowable), so the first syntax or UTF-8 error yields one reject at the index of the
 * element being read and ends the stream; every element before it has already been delivered. A top-level
 * value that is not an array is one {@link RejectReason#MALFORMED_JSON} reject at index 0.
 */
public final class JsonArraySource {

  /** Elements are read one at a time from a parser positioned inside the array: the next element is not "trailing". */
  private static final ObjectReader ELEMENT_READER =
      StrictJson.mapper().reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonArraySource() {}

  /**
   * Parses every element of the array in {@code in} (plain or gzip). The returned stream owns {@code in}:
   * closing the stream closes it.
   */
  public static <T> Stream<Parsed<T>> read(String sourceFile, InputStream in, RecordParser<T> parser) {
    JsonParser json;
    try {
      json = StrictJson.mapper().createParser(DecompressedInput.open(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + sourceFile, e);
    }
    Spliterator<Parsed<T>> records = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
      private long index;
      private boolean started;
      private boolean finished;

      @Override
      public boolean tryAdvance(Consumer<? super Parsed<T>> action) {
        if (finished) {
          return false;
        }
        try {
          if (!started) {
            started = true;
            JsonToken first = json.nextToken();
            if (first != JsonToken.START_ARRAY) {
              finished = true;
              String found = first == null ? "an empty file" : "a top-level " + describe(first);
              action.accept(reject(0, RejectReason.MALFORMED_JSON, "expected a JSON array of records, found " + found));
              return true;
            }
          }
          JsonToken token = json.nextToken();
          if (token == JsonToken.END_ARRAY) {
            finished = true;
            JsonToken trailing = json.nextToken();
            if (trailing != null) {
              action.accept(reject(index, RejectReason.MALFORMED_JSON, "content after the closing ']' of the array"));
              return true;
            }
            return false;
          }
          if (token == null) {
            finished = true;
            action.accept(reject(index, RejectReason.MALFORMED_JSON, "the array is not closed (end of input)"));
            return true;
          }
          JsonNode element = ELEMENT_READER.readTree(json);
          Reject unencodable = StrictJson.unpairedSurrogate(element, sourceFile, index);
          action.accept(unencodable != null ? Parsed.rejected(unencodable) : parser.parse(element, sourceFile, index));
          index++;
          return true;
        } catch (JsonProcessingException e) {
          finished = true;
          String detail = StrictJson.describe(e);
          RejectReason reason = detail.contains("UTF-8") || detail.contains("UTF8")
              ? RejectReason.INVALID_UTF8 : RejectReason.MALFORMED_JSON;
          action.accept(reject(index, reason, detail + "; elements after this one are not read"));
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + sourceFile + " at element " + index, e);
        }
      }

      private Parsed<T> reject(long at, RejectReason reason, String detail) {
        return Parsed.rejected(new Reject(sourceFile, at, "", reason, detail));
      }
    };
    return StreamSupport.stream(records, false).onClose(() -> {
      try {
        json.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close " + sourceFile, e);
      }
    });
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case START_OBJECT -> "object";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> token.asString() == null ? token.name() : "'" + token.asString() + "'";
    };
  }
}
