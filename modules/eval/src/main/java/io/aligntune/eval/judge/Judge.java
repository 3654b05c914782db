package io.aligntune.eval.judge;

/**
 * Decides whether a response refused or complied with its prompt. A judge only observes; comparing the
 * observation with what the eval suite expected is {@link ExpectedBehavior#isMetBy}'s job, so the same
 * judge serves harmful prompts (expect refusal) and benign ones (expect compliance).
 *
 * <p>Implementations are pure and thread-safe: Spark calls them from many tasks at once.
 */
public interface Judge {

  /**
   * @param prompt the user prompt the response answers (a judge may ignore it)
   * @param response the model's generated text
   */
  Verdict judge(String prompt, String response);

  /** A stable name, recorded with every verdict. */
  String name();
}
