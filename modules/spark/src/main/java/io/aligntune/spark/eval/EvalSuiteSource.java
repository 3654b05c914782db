package io.aligntune.spark.eval;

import io.aligntune.spark.io.HadoopFiles;
import java.io.Serial;
import java.io.Serializable;

/**
 * One eval suite to run.
 *
 * @param name the {@code suite} column of {@code eval_results}; null takes the format's name for AdvBench
 *     and XSTest, the file name without extension for JSONL
 * @param path the suite file, any Hadoop URI (plain or gzip for JSONL)
 * @param format how the file is laid out
 * @param limit read only the first {@code limit} records of the file (a rejected record counts towards
 *     it, so that the same rows are read whatever their quality), or null for all; when given, > 0
 */
public record EvalSuiteSource(String name, String path, SuiteFormat format, Integer limit) implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  public EvalSuiteSource {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("suite path '" + path + "' is invalid; give the suite file's URI");
    }
    if (format == null) {
      throw new IllegalArgumentException("suite " + path + ": format is required; accepted: jsonl, advbench, xstest");
    }
    if (limit != null && limit <= 0) {
      throw new IllegalArgumentException("suite " + path + ": limit = " + limit
          + " is invalid; it must be > 0, or absent to read every record");
    }
    if (name == null) {
      name = switch (format) {
        case ADVBENCH, XSTEST -> format.code();
        case JSONL -> baseName(path);
      };
    }
    if (name.isBlank()) {
      throw new IllegalArgumentException("suite " + path + ": name must not be blank");
    }
  }

  /** A suite named after its format or file, read in full. */
  public static EvalSuiteSource of(String path, SuiteFormat format) {
    return new EvalSuiteSource(null, path, format, null);
  }

  /** The same suite, reading only its first {@code records} records. */
  public EvalSuiteSource firstRecords(int records) {
    return new EvalSuiteSource(name, path, format, records);
  }

  private static String baseName(String path) {
    String file = HadoopFiles.path(path).getName();
    for (String ext : new String[] {".gz", ".jsonl", ".json"}) {
      if (file.endsWith(ext) && file.length() > ext.length()) {
        file = file.substring(0, file.length() - ext.length());
      }
    }
    return file;
  }
}
