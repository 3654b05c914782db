package io.aligntune.cli;

import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.spark.SparkSessions;
import io.aligntune.spark.pipeline.PipelineJob;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aligntune run}: the whole pipeline, gated. */
@Command(name = "run", mixinStandardHelpOptions = true, optionListHeading = "%nOptions:%n",
    header = "Run the gated pipeline: evaluate, align, fine-tune, promote.",
    description = {"Evaluates the base model, aligns it (DPO), fine-tunes it (SFT), evaluates it again and promotes it"
        + " only if the gates pass.",
        "Re-running the same run.id resumes at the phase and step it stopped at.",
        "",
        "Exit codes:",
        "  0  promoted",
        "  3  a gate refused promotion (the reasons are printed)",
        "  1  error",
        "  2  usage error"})
public final class RunCommand implements Callable<Integer> {

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML config, e.g. conf/quickstart.yaml")
  Path config;

  @Option(names = "--run-date", paramLabel = "YYYY-MM-DD", converter = RunDate.class,
      description = "Date the run's table partitions belong to; default: the config's run date, else today."
          + " Schedulers pass it.")
  String runDate;

  /** A bad --run-date is a usage error (exit 2), like any other bad option value. */
  static final class RunDate implements picocli.CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        return java.time.LocalDate.parse(value).toString();
      } catch (java.time.format.DateTimeParseException e) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a date YYYY-MM-DD");
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    AlignTuneConfig cfg = AlignTuneConfig.load(config);
    if (runDate != null) {
      cfg = cfg.withRunDate(runDate);
    }
    Interruption.explainOnSignal("aligntune run", "finished phases and checkpoints are kept under "
        + cfg.run().outputDir() + "/" + cfg.run().id() + "; run the same command again to continue: finished phases"
        + " are reused, align and finetune resume from their last checkpoint");
    PrintStream console = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    SparkSession spark = SparkSessions.getOrCreate("aligntune-run " + cfg.run().id(), cfg.run().master());
    try {
      PipelineJob.Outcome outcome = PipelineJob.run(spark, cfg, console);
      return outcome.exitCode();
    } finally {
      spark.stop();
    }
  }
}
