package io.aligntune.model.io;

import java.io.IOException;

/**
 * A checkpoint or config file is malformed, inconsistent, or in a format this project refuses to load.
 * The message always starts with the offending file and names the tensor or field at fault, because the
 * person reading it usually has a directory of many files and no debugger.
 */
public class CheckpointFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  public CheckpointFormatException(String message) {
    super(message);
  }

  public CheckpointFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
