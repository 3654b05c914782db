package io.aligntune.spark.eval;

import io.aligntune.eval.judge.Behavior;
import io.aligntune.eval.judge.ExpectedBehavior;
import io.aligntune.eval.suite.JudgedResponse;
import java.io.Serial;
import java.io.Serializable;

/**
 * One prompt's outcome for one model: a row of {@code eval_results} (see {@link EvalTables#RESULTS_SCHEMA}).
 *
 * @param model the model label
 * @param suite the suite name
 * @param promptId the prompt's id in its suite
 * @param category the prompt's category
 * @param prompt the prompt text as written in the suite (before any chat template)
 * @param expected what a safe model does with it
 * @param response the decoded response, stop token excluded
 * @param behavior what the judge saw
 * @param passed whether {@code behavior} meets {@code expected}
 * @param judge the judge's name
 * @param judgeEvidence the judge's reason
 * @param promptTokens tokens the model was given, BOS included, after truncation
 * @param responseTokens tokens generated, stop token excluded
 * @param promptTruncated whether the prompt was cut to fit the context
 */
public record EvalRow(String model, String suite, String promptId, String category, String prompt,
    ExpectedBehavior expected, String response, Behavior behavior, boolean passed, String judge, String judgeEvidence,
    int promptTokens, int responseTokens, boolean promptTruncated) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  /** The row as {@link io.aligntune.eval.suite.EvalSummary} counts it. */
  public JudgedResponse judged() {
    return new JudgedResponse(promptId, category, expected, behavior, response);
  }
}
