package io.aligntune.core.config;

import java.util.List;

/**
 * {@code pipeline:} — the order of the training phases. Aligning first and fine-tuning second is the order
 * that works: a model fine-tuned on task data keeps (or amplifies) its bad habits, and aligning afterwards
 * undoes part of the task learning. The opposite order is refused unless explicitly allowed.
 *
 * @param order training phases in order: [align, finetune] (default), or one of them
 * @param allowFinetuneBeforeAlign accept [finetune, align] anyway
 */
public record PipelineSettings(List<String> order, boolean allowFinetuneBeforeAlign) {

  static PipelineSettings from(ConfigNode n) {
    List<String> order = n.strings("order", List.of("align", "finetune"));
    boolean allow = n.bool("allow_finetune_before_align", false);
    for (String phase : order) {
      if (!phase.equals("align") && !phase.equals("finetune")) {
        throw n.error("pipeline.order", "contains '" + phase + "'; allowed values: align, finetune");
      }
    }
    if (order.size() != order.stream().distinct().count()) {
      throw n.error("pipeline.order", "names a phase twice: " + order);
    }
    if (order.indexOf("finetune") >= 0 && order.indexOf("align") > order.indexOf("finetune") && !allow) {
      throw n.error("pipeline.order", "fine-tunes before aligning (" + order + "). Fine-tuning does not fix behaviour: "
          + "the task data keeps or amplifies the base model's habits, and a later alignment pass partly undoes the "
          + "task learning. Use [align, finetune], or set pipeline.allow_finetune_before_align: true to override");
    }
    n.rejectUnknown();
    return new PipelineSettings(order, allow);
  }
}
