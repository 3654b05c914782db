package io.aligntune.cli;

import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.spark.SparkSessions;
import io.aligntune.spark.align.AlignJob;
import io.aligntune.spark.model.ModelLocation;
import io.aligntune.train.loop.StepRecord;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code aligntune align}: distributed DPO from a YAML config. */
@Command(name = "align", mixinStandardHelpOptions = true,
    header = "Align a model with preference pairs (DPO) as a Spark job.",
    description = {"Reads run, model, align and output from the config; writes checkpoints, train_metrics, rejects, a"
        + " merged Hugging Face model and a PEFT adapter under output_dir/<run.id>/align."})
public final class AlignCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML config, e.g. conf/align.yaml")
  Path config;

  @Option(names = "--resume", description = "Continue this run id from its last checkpoint.")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    AlignTuneConfig cfg = AlignTuneConfig.load(config);
    Interruption.explainOnSignal("aligntune align", "the checkpoints written so far (none before the first checkpoint_every steps) are kept in "
        + AlignJob.phaseDir(cfg, "align") + "/checkpoints; continue with: aligntune align --config " + config
        + " --resume");
    PrintStream console = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    SparkSession spark = SparkSessions.getOrCreate("aligntune-align " + cfg.run().id(), cfg.run().master());
    try {
      ModelLocation base = ModelLocation.resolve(cfg.model());
      if (cfg.model().isRandom()) {
        console.println("[align] no model.path given: using a random tiny Llama (" + base.base().describe()
            + ") and the built-in byte tokenizer; its outputs are noise");
      }
      AlignJob.Result result = AlignJob.run(spark, cfg, base, "align", resume, console);
      List<StepRecord> steps = result.steps();
      StepRecord first = steps.get(0);
      StepRecord last = steps.get(steps.size() - 1);
      console.printf(Locale.ROOT, "[align] %d steps: loss %.4f -> %.4f, rewards/accuracies %.3f -> %.3f, rewards/margins %.4f -> %.4f%n",
          steps.size(), first.metric("loss"), last.metric("loss"), first.metric("rewards/accuracies"),
          last.metric("rewards/accuracies"), first.metric("rewards/margins"), last.metric("rewards/margins"));
      console.println("[align] data: " + result.data().summary());
      console.println("[align] merged model: " + result.mergedModel());
      if (result.adapter() != null) {
        console.println("[align] PEFT adapter: " + result.adapter());
      }
      console.println("[align] tables: " + cfg.output().warehouse() + " (train_metrics, rejects)");
      return 0;
    } finally {
      spark.stop();
    }
  }
}
