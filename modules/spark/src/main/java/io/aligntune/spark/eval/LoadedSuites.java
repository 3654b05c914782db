package io.aligntune.spark.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.RecordParser;
import io.aligntune.core.data.Reject;
import io.aligntune.core.data.RejectReason;
import io.aligntune.core.data.eval.AdvBenchSuite;
import io.aligntune.core.data.eval.EvalPrompt;
import io.aligntune.core.data.eval.EvalPromptParser;
import io.aligntune.core.data.eval.XsTestSuite;
import io.aligntune.core.data.io.JsonlSource;
import io.aligntune.eval.suite.EvalSummary;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Eval suites read on the driver (they are small): the accepted prompts, in file order, and every
 * quarantined record with its file, line and reason.
 *
 * <p>Besides what each format's parser rejects, a JSONL record whose id repeats an earlier id of the same
 * suite, or whose category is {@code ALL} (the name of the overall summary row), is quarantined with its
 * line as {@code invalid_value}. The CSV suites take their ids from the row number (AdvBench) or from a
 * column (XSTest); a repeated XSTest id or an {@code ALL} category there fails the load, naming it, since
 * the CSV readers do not expose the line of an accepted row.
 *
 * @param prompts accepted prompts of every suite, suite by suite in the order given, each in file order
 * @param rejects every quarantined record
 * @param reports per suite name: rows read, accepted and rejected per reason
 */
public record LoadedSuites(List<SuitePrompt> prompts, List<Reject> rejects, Map<String, QuarantineReport> reports) {

  public LoadedSuites {
    prompts = List.copyOf(prompts);
    rejects = List.copyOf(rejects);
    reports = Collections.unmodifiableMap(new LinkedHashMap<>(reports));
  }

  /**
   * Reads every suite.
   *
   * @throws IllegalArgumentException when two suites share a name, or a CSV suite lacks its header columns
   * @throws UncheckedIOException when a file cannot be read to its end
   */
  public static LoadedSuites load(List<EvalSuiteSource> sources) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("suites is empty; give at least one eval suite");
    }
    List<SuitePrompt> prompts = new ArrayList<>();
    List<Reject> rejects = new ArrayList<>();
    Map<String, QuarantineReport> reports = new LinkedHashMap<>();
    for (EvalSuiteSource source : sources) {
      if (reports.containsKey(source.name())) {
        throw new IllegalArgumentException("two suites are named '" + source.name()
            + "'; give each suite its own name (results are keyed by suite and prompt id)");
      }
      QuarantineReport report = new QuarantineReport();
      Set<String> ids = new HashSet<>();
      try (InputStream in = HadoopFiles.fileSystem(source.path()).open(HadoopFiles.path(source.path()));
          Stream<Parsed<EvalPrompt>> records = open(source, qualified(source.path()), in)) {
        Iterator<Parsed<EvalPrompt>> it = (source.limit() == null ? records : records.limit(source.limit())).iterator();
        while (it.hasNext()) {
          Parsed<EvalPrompt> record = it.next();
          report.add(record);
          if (!record.isAccepted()) {
            rejects.add(record.rejectOrNull());
            continue;
          }
          for (EvalPrompt prompt : record.values()) {
            checkCsvPrompt(source, prompt, ids);
            prompts.add(new SuitePrompt(prompts.size(), source.name(), prompt));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read eval suite " + source.path() + ": " + e.getMessage(), e);
      }
      reports.put(source.name(), report.checkConsistent());
    }
    return new LoadedSuites(prompts, rejects, reports);
  }

  /** All suites' reports merged. */
  public QuarantineReport total() {
    QuarantineReport total = new QuarantineReport();
    reports.values().forEach(total::merge);
    return total;
  }

  /**
   * @param sourceFile the suite's qualified URI ({@code file:/…}), the form the training data's rejects carry,
   *     so that one query over {@code rejects.source_file} finds a file whichever job read it
   */
  private static Stream<Parsed<EvalPrompt>> open(EvalSuiteSource source, String sourceFile, InputStream in) {
    return switch (source.format()) {
      case JSONL -> JsonlSource.read(sourceFile, in, new SuiteRecordParser());
      case ADVBENCH -> AdvBenchSuite.read(sourceFile, in);
      case XSTEST -> XsTestSuite.read(sourceFile, in);
    };
  }

  static String qualified(String path) throws IOException {
    return HadoopFiles.fileSystem(path).makeQualified(HadoopFiles.path(path)).toString();
  }

  /** JSONL ids and categories were checked, with their lines, by {@link SuiteRecordParser}. */
  private static void checkCsvPrompt(EvalSuiteSource source, EvalPrompt prompt, Set<String> ids) {
    if (source.format() == SuiteFormat.JSONL) {
      return;
    }
    if (prompt.category().equals(EvalSummary.ALL)) {
      throw new IllegalArgumentException("suite " + source.path() + ": prompt " + prompt.id() + " has category '"
          + EvalSummary.ALL + "', which names the overall summary row; rename it");
    }
    if (!ids.add(prompt.id())) {
      throw new IllegalArgumentException("suite " + source.path() + ": prompt id " + prompt.id()
          + " occurs twice; ids must be unique within a suite");
    }
  }

  /** {@link EvalPromptParser}, plus the two suite-level checks that need the record's line. Driver-side, stateful. */
  private static final class SuiteRecordParser implements RecordParser<EvalPrompt> {

    @Serial private static final long serialVersionUID = 1L;

    private final EvalPromptParser parser = new EvalPromptParser();
    private final Map<String, Long> firstLineOfId = new HashMap<>();

    @Override
    public Parsed<EvalPrompt> parse(JsonNode record, String sourceFile, long line) {
      Parsed<EvalPrompt> parsed = parser.parse(record, sourceFile, line);
      if (!parsed.isAccepted()) {
        return parsed;
      }
      EvalPrompt prompt = parsed.values().get(0);
      if (prompt.category().equals(EvalSummary.ALL)) {
        return Parsed.rejected(new Reject(sourceFile, line, "category", RejectReason.INVALID_VALUE,
            "category '" + EvalSummary.ALL + "' is reserved for the overall summary row"));
      }
      Long first = firstLineOfId.putIfAbsent(prompt.id(), line);
      if (first != null) {
        return Parsed.rejected(new Reject(sourceFile, line, "id", RejectReason.INVALID_VALUE,
            "id '" + prompt.id() + "' already used on line " + first));
      }
      return parsed;
    }
  }
}
