package io.aligntune.core.data.sft;

/**
 * The prompt layout of Stanford Alpaca (tatsu-lab/stanford_alpaca, 2023), which the Alpaca data and models
 * tuned on it expect: a fixed preamble, the instruction under an {@code ### Instruction:} heading, the
 * optional input under {@code ### Input:}, and an {@code ### Response:} heading after which the output
 * follows. The wording is a de-facto standard and must match character for character, since a model tuned
 * on Alpaca keys on these exact headings.
 *
 * <p>Two variants exist in the wild and differ only in what follows the last heading:
 * {@link #STANFORD}, the original, ends the prompt with {@code "### Response:"} and the output follows
 * directly; {@link #ALPACA_LORA} (also torchtune and Axolotl) ends it with {@code "### Response:\n"}. Use
 * the one the model to be tuned further was trained with.
 *
 * <p>A record whose input is empty, only whitespace, absent or JSON null uses the preamble without the
 * input section, as the original code does for an empty input.
 */
public enum AlpacaPromptTemplate {
  STANFORD(""),
  ALPACA_LORA("\n");

  private static final String PREAMBLE_WITH_INPUT =
      "Below is an instruction that describes a task, paired with an input that provides further context. "
          + "Write a response that appropriately completes the request.";
  private static final String PREAMBLE_WITHOUT_INPUT =
      "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

  private final String afterResponseHeading;

  AlpacaPromptTemplate(String afterResponseHeading) {
    this.afterResponseHeading = afterResponseHeading;
  }

  /**
   * The prompt; the output is appended to it unchanged as the completion.
   *
   * @param instruction the task
   * @param input context for the task, or {@code null}/blank for none
   */
  public String prompt(String instruction, String input) {
    boolean hasInput = input != null && !input.isBlank();
    StringBuilder prompt = new StringBuilder(256);
    prompt.append(hasInput ? PREAMBLE_WITH_INPUT : PREAMBLE_WITHOUT_INPUT).append("\n\n");
    prompt.append("### Instruction:\n").append(instruction).append("\n\n");
    if (hasInput) {
      prompt.append("### Input:\n").append(input).append("\n\n");
    }
    prompt.append("### Response:").append(afterResponseHeading);
    return prompt.toString();
  }
}
