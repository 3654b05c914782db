package io.aligntune.spark.data;

/**
 * Which step of data preparation rejected a record; the {@code stage} column of the rejects table. The
 * codes are part of the table format: never rename them.
 */
public enum PreparationStage {
  /** Reading the file and parsing the record (bad UTF-8, bad JSON, missing fields, unknown layout...). */
  PARSE("parse"),
  /** Tokenizing one parsed pair or example (nothing left after truncation, identical once cut...). */
  TOKENIZE("tokenize");

  private final String code;

  PreparationStage(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
