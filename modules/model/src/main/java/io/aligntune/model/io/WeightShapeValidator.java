package io.aligntune.model.io;

import io.aligntune.core.model.LlamaConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Checks that a set of weights has every tensor a config implies, each with the implied shape, before
 * any of it is used. Tensors the config does not imply (e.g. a saved {@code rotary_emb.inv_freq}) are
 * not an error: they are simply not used. All problems are reported at once, one per line.
 */
public final class WeightShapeValidator {

  /** Enough lines to show a pattern (say, every k_proj) without flooding the console. */
  static final int MAX_REPORTED = 10;

  private WeightShapeValidator() {}

  /**
   * @param config the architecture the weights must fit
   * @param actualShapes shape of each available tensor, by name
   * @param sourceOf names the file a tensor came from (or the checkpoint, for a missing tensor)
   * @param configSource what the expected shapes come from, e.g. "config.json"
   */
  public static void check(
      LlamaConfig config,
      Map<String, long[]> actualShapes,
      Function<String, String> sourceOf,
      String configSource)
      throws CheckpointFormatException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, long[]> e : LlamaWeightLayout.expectedShapes(config).entrySet()) {
      String name = e.getKey();
      long[] expected = e.getValue();
      long[] actual = actualShapes.get(name);
      if (actual == null) {
        problems.add(
            sourceOf.apply(name) + ": tensor '" + name + "' is missing but " + configSource + " implies shape "
                + Arrays.toString(expected));
      } else if (!Arrays.equals(actual, expected)) {
        problems.add(
            sourceOf.apply(name) + ": tensor '" + name + "' has shape " + Arrays.toString(actual) + " but "
                + configSource + " implies " + Arrays.toString(expected));
      }
    }
    if (problems.size() == 1) {
      throw new CheckpointFormatException(problems.get(0));
    }
    if (!problems.isEmpty()) {
      StringBuilder message =
          new StringBuilder(problems.size() + " tensors do not match " + configSource + ":");
      problems.stream().limit(MAX_REPORTED).forEach(p -> message.append("\n  ").append(p));
      if (problems.size() > MAX_REPORTED) {
        message.append("\n  ... and ").append(problems.size() - MAX_REPORTED).append(" more");
      }
      throw new CheckpointFormatException(message.toString());
    }
  }
}
