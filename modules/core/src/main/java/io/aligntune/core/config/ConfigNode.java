package io.aligntune.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Typed, path-aware access to one section of a YAML config. Every read records the key, so that
 * {@link #rejectUnknown()} can refuse misspelt keys (a typo must not silently fall back to a default), and
 * every error names the file and the full field path.
 */
public final class ConfigNode {

  private final String file;
  private final String path;
  private final JsonNode node;
  private final Set<String> known = new LinkedHashSet<>();

  public ConfigNode(String file, String path, JsonNode node) {
    this.file = file;
    this.path = path;
    this.node = node;
    if (node != null && !node.isNull() && !node.isObject()) {
      throw error(path.isEmpty() ? "the document" : path, "must be a mapping of keys to values");
    }
  }

  private String where(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The full path of {@code key} in this section, e.g. {@code align.lora.targets}, for {@link #error}. */
  public String path(String key) {
    return where(key);
  }

  public ConfigException error(String field, String problem) {
    return new ConfigException(file + ": " + field + " " + problem);
  }

  private JsonNode raw(String key) {
    known.add(key);
    if (node == null || node.isNull()) {
      return null;
    }
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  public boolean has(String key) {
    return raw(key) != null;
  }

  public ConfigNode section(String key) {
    return new ConfigNode(file, where(key), raw(key));
  }

  public String string(String key, String fallback) {
    JsonNode v = raw(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isValueNode()) {
      throw error(where(key), "must be a text value, got " + v.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return v.asText();
  }

  public String requiredString(String key) {
    String v = string(key, null);
    if (v == null || v.isBlank()) {
      throw error(where(key), "is required");
    }
    return v;
  }

  public String choice(String key, String fallback, List<String> allowed) {
    String v = string(key, fallback);
    if (v != null && !allowed.contains(v)) {
      throw error(where(key), "is '" + v + "'; allowed values: " + String.join(", ", allowed));
    }
    return v;
  }

  public long integer(String key, long fallback, long min, long max) {
    JsonNode v = raw(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isIntegralNumber()) {
      throw error(where(key), "must be a whole number, got '" + v.asText() + "'");
    }
    long value = v.asLong();
    if (value < min || value > max) {
      throw error(where(key), "is " + value + "; allowed: " + min + " to " + (max == Long.MAX_VALUE ? "any larger" : max));
    }
    return value;
  }

  public double number(String key, double fallback, double min, double max) {
    JsonNode v = raw(key);
    if (v == null) {
      return fallback;
    }
    double value;
    if (v.isNumber()) {
      value = v.asDouble();
    } else if (v.isTextual()) {
      try {
        value = Double.parseDouble(v.asText().trim()); // YAML 1.1 reads "5e-4" as text
      } catch (NumberFormatException e) {
        throw error(where(key), "must be a number, got '" + v.asText() + "'");
      }
    } else {
      throw error(where(key), "must be a number, got '" + v.asText() + "'");
    }
    if (!(value >= min && value <= max)) {
      throw error(where(key), "is " + value + "; allowed: " + min + " to " + max);
    }
    return value;
  }

  public boolean bool(String key, boolean fallback) {
    JsonNode v = raw(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw error(where(key), "must be true or false, got '" + v.asText() + "'");
    }
    return v.asBoolean();
  }

  /** A list of strings; a single string is accepted as a one-element list. */
  public List<String> strings(String key, List<String> fallback) {
    JsonNode v = raw(key);
    if (v == null) {
      return fallback;
    }
    List<String> out = new ArrayList<>();
    if (v.isTextual()) {
      out.add(v.asText());
      return out;
    }
    if (!v.isArray()) {
      throw error(where(key), "must be a list of text values");
    }
    for (JsonNode item : v) {
      if (!item.isValueNode()) {
        throw error(where(key), "must be a list of text values");
      }
      out.add(item.asText());
    }
    return out;
  }

  /** Refuses keys this section does not define; call after reading every field. */
  public void rejectUnknown() {
    if (node == null || node.isNull()) {
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        throw error(where(key), "is not a known setting; allowed here: " + String.join(", ", known));
      }
    }
  }
}
