package io.aligntune.spark.eval;

import io.aligntune.core.data.eval.EvalPrompt;
import java.io.Serial;
import java.io.Serializable;

/**
 * An eval prompt as shipped to executors: the prompt, the suite it came from and its position among all
 * loaded prompts (which keeps results in suite order and seeds sampling).
 */
public record SuitePrompt(int index, String suite, EvalPrompt prompt) implements Serializable {
  @Serial private static final long serialVersionUID = 1L;
}
