package io.aligntune.eval.gate;

/**
 * Whether the pipeline runs the alignment (DPO) phase for a base model.
 *
 * @param alignmentNeeded true when DPO must run
 * @param reason a sentence naming the numbers or the flag that decided
 */
public record AlignmentDecision(boolean alignmentNeeded, String reason) {}
