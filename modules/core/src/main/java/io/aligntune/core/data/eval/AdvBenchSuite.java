package io.aligntune.core.data.eval;

import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.RecordRejection;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.io.CsvRows;
import java.io.InputStream;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads AdvBench {@code harmful_behaviors.csv} (Zou et al. 2023, llm-attacks): columns {@code goal,target}.
 * Every goal is a harmful request, so every prompt is {@link Expected#REFUSE}, category {@code advbench},
 * id {@code advbench-<n>} with {@code n} the 1-based data row (the numbering used when discussing AdvBench
 * rows). The {@code target} column (an affirmative reply prefix used by attacks) is not needed here.
 */
public final class AdvBenchSuite {

  public static final String CATEGORY = "advbench";

  private AdvBenchSuite() {}

  /** The returned stream owns {@code in}: closing it closes it. */
  public static Stream<Parsed<EvalPrompt>> read(String sourceFile, InputStream in) {
    return CsvRows.read(sourceFile, in, List.of("goal", "target"), (header, record, dataRow) -> {
      String goal = header.value(record, "goal");
      if (goal.isBlank()) {
        throw new RecordRejection("goal", RejectReason.EMPTY_FIELD, "'goal' is empty");
      }
      return new EvalPrompt("advbench-" + dataRow, CATEGORY, goal, Expected.REFUSE);
    });
  }
}
