package io.aligntune.train.loss;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The DPO-family objectives, by the names TRL's {@code loss_type} uses for them in configuration. */
public enum DpoLossType {
  /** DPO's logistic loss (Rafailov et al. 2023), with optional label smoothing (cDPO). */
  SIGMOID("sigmoid"),
  /** Identity preference optimisation's squared loss (Azar et al. 2023). */
  IPO("ipo"),
  /** SLiC's hinge loss (Zhao et al. 2023). */
  HINGE("hinge");

  private final String configName;

  DpoLossType(String configName) {
    this.configName = configName;
  }

  /** The name used in YAML and on the command line. */
  public String configName() {
    return configName;
  }

  /**
   * Parses a configuration value, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException naming the bad value and the accepted ones
   */
  public static DpoLossType fromConfig(String value) {
    if (value != null) {
      String wanted = value.trim().toLowerCase(Locale.ROOT);
      for (DpoLossType type : values()) {
        if (type.configName.equals(wanted)) {
          return type;
        }
      }
    }
    throw new IllegalArgumentException(
        "loss_type '" + value + "' is not supported; allowed values: " + allowedValues());
  }

  static String allowedValues() {
    return Arrays.stream(values()).map(DpoLossType::configName).collect(Collectors.joining(", "));
  }
}
