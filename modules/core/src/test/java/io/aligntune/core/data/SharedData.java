package io.aligntune.core.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real public test data under {@code shared/data} (see its SOURCES.md); tests skip when it is absent. */
public final class SharedData {

  private SharedData() {}

  /** {@code relative} under the shared data root; skips the test, saying why, when it is not there. */
  public static Path require(String relative) {
    String root = System.getProperty("aligntune.shared.data");
    assumeTrue(root != null && !root.isBlank(),
        "system property aligntune.shared.data is not set (run through Maven, which points it at shared/data)");
    Path file = Path.of(root).resolve(relative);
    assumeTrue(Files.isRegularFile(file), "real test data " + file + " is absent");
    return file;
  }
}
