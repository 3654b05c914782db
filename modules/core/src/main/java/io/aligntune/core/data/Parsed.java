package io.aligntune.core.data;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of turning one input record into values: either one or more values (a ranked list row
 * expands to several preference pairs), or a {@link Reject}. Never both, never nothing: a record that yields
 * no value is a reject, so that every input row is accounted for in the {@link QuarantineReport}.
 *
 * @param <T> the value type ({@code PreferencePair}, {@code SftExample}, {@code TokenizedPair}...)
 */
public sealed interface Parsed<T> extends Serializable permits Parsed.Accepted, Parsed.Rejected {

  static <T> Parsed<T> accepted(T value) {
    return new Accepted<>(List.of(value));
  }

  static <T> Parsed<T> accepted(List<T> values) {
    return new Accepted<>(values);
  }

  static <T> Parsed<T> rejected(Reject reject) {
    return new Rejected<>(reject);
  }

  boolean isAccepted();

  /** The values of an accepted record; empty for a rejected one. */
  List<T> values();

  /** The reject of a rejected record; {@code null} for an accepted one. */
  Reject rejectOrNull();

  /**
   * @param values one or more values, none null
   */
  record Accepted<T>(List<T> values) implements Parsed<T> {
    public Accepted {
      values = List.copyOf(values);
      if (values.isEmpty()) {
        throw new IllegalArgumentException("an accepted record needs at least one value; reject it instead");
      }
    }

    /** The only value; fails for a record that produced several (use {@link #values()} there). */
    public T value() {
      if (values.size() != 1) {
        throw new IllegalStateException("record produced " + values.size() + " values, not one");
      }
      return values.get(0);
    }

    @Override
    public boolean isAccepted() {
      return true;
    }

    @Override
    public Reject rejectOrNull() {
      return null;
    }
  }

  record Rejected<T>(Reject reject) implements Parsed<T> {
    public Rejected {
      Objects.requireNonNull(reject, "reject");
    }

    @Override
    public boolean isAccepted() {
      return false;
    }

    @Override
    public List<T> values() {
      return List.of();
    }

    @Override
    public Reject rejectOrNull() {
      return reject;
    }
  }
}
