package io.aligntune.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.config.AlignTuneConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a phase's result depends on, as a flat sorted map of named items: the config fields it reads
 * ({@code config.finetune.training.max_steps → 4}, from the YAML as written), the content hashes of the
 * files it reads ({@code input /data/sft.jsonl → sha256:…}) and the identity of the model it starts from
 * ({@code input model → <content hash>}). Two fingerprints are compared item by item, so a refusal can say
 * exactly what changed.
 *
 * <p>Gates are in no fingerprint: they decide from the phases' recorded numbers, so a re-run with other
 * gates re-decides without recomputing anything. A gate change that changes which phases run (for example
 * alignment no longer needed) changes the next phase's input model and is caught there.
 */
final class PhaseFingerprint {

  private final Map<String, String> items;

  private PhaseFingerprint(Map<String, String> items) {
    this.items = Collections.unmodifiableMap(items);
  }

  /**
   * @param config the run's config; {@code configFields} are dotted paths into its YAML ({@code evaluation},
   *     {@code run.seed}), each flattened to its leaves
   * @param inputs hashes of the files the phase reads, by path
   * @param inputModel content hash of the model the phase starts from (or evaluates)
   */
  static PhaseFingerprint of(AlignTuneConfig config, List<String> configFields, Map<String, String> inputs,
      String inputModel) {
    Map<String, String> items = new TreeMap<>();
    for (String field : configFields) {
      JsonNode node = config.document();
      for (String part : field.split("\\.")) {
        node = node == null ? null : node.get(part);
      }
      flatten("config." + field, node, items);
    }
    inputs.forEach((path, hash) -> items.put("input " + path, hash));
    items.put("input model", inputModel);
    return new PhaseFingerprint(items);
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
    if (node == null || node.isNull()) {
      into.put(prefix, "(not set)");
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix + "." + e.getKey(), e.getValue(), into);
      }
    } else if (node.isArray()) {
      into.put(prefix + ".size", Integer.toString(node.size()));
      for (int i = 0; i < node.size(); i++) {
        flatten(prefix + "[" + i + "]", node.get(i), into);
      }
    } else {
      into.put(prefix, node.asText());
    }
  }

  ObjectNode toJson() {
    ObjectNode n = PhaseLedger.node();
    items.forEach(n::put);
    return n;
  }

  Map<String, String> items() {
    return items;
  }

  /**
   * Every item that differs from a recorded fingerprint, as {@code name: old → new}; empty when equal. A
   * marker with no fingerprint (written before fingerprints existed) cannot be checked and is one change.
   */
  List<String> changesFrom(JsonNode recorded) {
    if (recorded == null || !recorded.isObject()) {
      return List.of("the phase was recorded without a fingerprint (by an older AlignTune), so its inputs cannot be"
          + " compared with this run's");
    }
    Map<String, String> old = new TreeMap<>();
    recorded.fields().forEachRemaining(e -> old.put(e.getKey(), e.getValue().asText()));
    TreeSet<String> names = new TreeSet<>(old.keySet());
    names.addAll(items.keySet());
    List<String> changes = new ArrayList<>();
    for (String name : names) {
      String before = old.getOrDefault(name, "(absent)");
      String now = items.getOrDefault(name, "(absent)");
      if (!before.equals(now)) {
        changes.add(name + ": " + before + " -> " + now);
      }
    }
    return changes;
  }
}
