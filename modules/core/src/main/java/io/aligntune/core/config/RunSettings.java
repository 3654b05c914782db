package io.aligntune.core.config;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * {@code run:} — identity and place of a run.
 *
 * @param id run id: names checkpoints, table partitions and the manifest; re-running an id resumes it. A
 *     {@code {date}} in it is replaced by the run date, so a nightly refresh gets one run per date
 * @param date run date (YYYY-MM-DD) for table partitions; default today (UTC)
 * @param seed seeds data order, adapter initialisation and sampling
 * @param master Spark master used when none is given by spark-submit (e.g. local[2])
 * @param outputDir where checkpoints, exports and the manifest go (any Hadoop URI)
 * @param idTemplate the id as written, before {@code {date}} was replaced
 * @param dateGiven whether the date was given (YAML or --run-date) rather than defaulted to today; a run
 *     resumed without one keeps the date its first attempt recorded
 */
public record RunSettings(String id, String date, long seed, String master, String outputDir, String idTemplate,
    boolean dateGiven) {

  /**
   * The master URLs the embedded launcher (bin/aligntune) can start: checked at load so that a typo names the
   * field instead of failing with a stack trace once Spark starts. run.master is read only when no master is
   * set already, and spark-submit always sets one, so YARN and Kubernetes (whose Spark modules the launcher
   * does not carry) are reached through {@code spark-submit --master}, not through this field; Mesos is gone
   * from Spark 4.
   */
  private static final java.util.regex.Pattern MASTER = java.util.regex.Pattern.compile(
      "local|local\\[(\\*|[1-9]\\d*)]|local\\[(\\*|[1-9]\\d*),\\s*[1-9]\\d*]|local-cluster\\[\\s*[1-9]\\d*\\s*,\\s*[1-9]\\d*\\s*,\\s*[1-9]\\d*\\s*]"
          + "|spark://\\S+");

  static final String MASTER_FORMS =
      "local, local[N], local[*], local[N,F], local-cluster[N,C,M], spark://host:port (for YARN or Kubernetes use"
          + " spark-submit --master: run.master applies only when no master is given)";

  public RunSettings(String id, String date, long seed, String master, String outputDir) {
    this(id, date, seed, master, outputDir, id, true);
  }

  static RunSettings from(ConfigNode n) {
    String id = n.requiredString("id");
    if (!id.replace("{date}", "").matches("[A-Za-z0-9._-]+")) {
      throw n.error("run.id", "is '" + id + "'; allowed: letters, digits, '.', '_', '-' and {date} (it becomes a path)");
    }
    String given = n.string("date", null);
    String date = given != null ? given : LocalDate.now(java.time.ZoneOffset.UTC).toString();
    try {
      LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      throw n.error("run.date", "is '" + date + "'; expected an ISO date like 2026-12-03");
    }
    String master = n.string("master", "local[2]");
    if (!MASTER.matcher(master).matches()) {
      throw n.error("run.master", "is '" + master + "'; allowed: " + MASTER_FORMS);
    }
    RunSettings s = new RunSettings(id.replace("{date}", date), date, n.integer("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE),
        master, n.requiredString("output_dir"), id, given != null);
    n.rejectUnknown();
    return s;
  }
}
