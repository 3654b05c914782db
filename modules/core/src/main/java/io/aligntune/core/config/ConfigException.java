package io.aligntune.core.config;

/** A configuration error: names the file, the field path, the bad value and what would be accepted. */
public final class ConfigException extends IllegalArgumentException {
  public ConfigException(String message) {
    super(message);
  }
}
