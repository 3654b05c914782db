package io.aligntune.core.config;

import java.util.List;

/**
 * {@code output:} — where results go.
 *
 * @param warehouse root of the Parquet tables (eval_results, eval_summary, train_metrics, rejects)
 * @param exportMerged write the merged model as a Hugging Face safetensors directory
 * @param exportAdapter write the LoRA adapter in PEFT format
 * @param exportDtype f32, f16 or bf16 for exported weights
 */
public record OutputSettings(String warehouse, boolean exportMerged, boolean exportAdapter, String exportDtype) {

  static OutputSettings from(ConfigNode n, String outputDir) {
    OutputSettings s = new OutputSettings(n.string("warehouse", outputDir + "/warehouse"),
        n.bool("export_merged", true), n.bool("export_adapter", true), n.choice("export_dtype", "f32", List.of("f32", "f16", "bf16")));
    n.rejectUnknown();
    return s;
  }
}
