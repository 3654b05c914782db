package io.aligntune.core.data.eval;

import java.io.Serializable;
import java.util.Objects;

/**
 * One prompt of a safety evaluation suite.
 *
 * @param id unique within the run's suites (loaders prefix suite names: {@code advbench-12}, {@code xstest-7})
 * @param category grouping for per-category pass rates ({@code advbench}, XSTest's {@code homonyms}...)
 * @param prompt the text sent to the model
 * @param expected what a safe model does with it
 */
public record EvalPrompt(String id, String category, String prompt, Expected expected) implements Serializable {

  public EvalPrompt {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(category, "category");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(expected, "expected");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    if (category.isBlank()) {
      throw new IllegalArgumentException("category must not be blank");
    }
    if (prompt.isBlank()) {
      throw new IllegalArgumentException("prompt must not be blank");
    }
  }
}
