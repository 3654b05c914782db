package io.aligntune.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.config.AlignTuneConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's reuse rule (same fingerprint or a refusal naming what changed) and its run date record. */
class PhaseLedgerTest {

  static AlignTuneConfig config(String evaluation, String gates) {
    return AlignTuneConfig.parse("t.yaml", String.join("\n", "run: {id: r1, output_dir: out, date: '2026-01-02'}",
        "evaluation: " + evaluation, "gates: " + gates, ""));
  }

  static PhaseFingerprint eval(AlignTuneConfig c, String suiteHash, String model) {
    return PhaseFingerprint.of(c, List.of("evaluation", "output.warehouse"), Map.of("s.jsonl", suiteHash), model);
  }

  @Test
  void aFinishedPhaseIsReusedOnlyWithTheSameFingerprint(@TempDir Path dir) throws Exception {
    PhaseLedger ledger = new PhaseLedger(dir.toString());
    AlignTuneConfig first = config("{suites: [{path: s.jsonl}], max_new_tokens: 16}", "{pass_rate_threshold: 0.9}");
    ObjectNode result = PhaseLedger.node().put("pass_rate", 0.25);
    assertTrue(ledger.finished("evaluate_base", eval(first, "sha256:aa", "m1"), "r1").isEmpty());
    ledger.markFinished("evaluate_base", eval(first, "sha256:aa", "m1"), result);

    // same inputs, other gates: reused (gates read the recorded numbers, they are no phase's input)
    AlignTuneConfig otherGates = config("{suites: [{path: s.jsonl}], max_new_tokens: 16}", "{pass_rate_threshold: 0.1}");
    assertEquals(0.25, ledger.finished("evaluate_base", eval(otherGates, "sha256:aa", "m1"), "r1").get()
        .get("pass_rate").asDouble());

    // another max_new_tokens, suite content and model: refused, each change named with old and new value
    AlignTuneConfig longer = config("{suites: [{path: s.jsonl}], max_new_tokens: 32}", "{pass_rate_threshold: 0.9}");
    PhaseLedger.InputsChangedException e = assertThrows(PhaseLedger.InputsChangedException.class,
        () -> ledger.finished("evaluate_base", eval(longer, "sha256:bb", "m2"), "r1"));
    String m = e.getMessage();
    assertTrue(m.contains("phase evaluate_base") && m.contains("run r1"), m);
    assertTrue(m.contains("config.evaluation.max_new_tokens: 16 -> 32"), m);
    assertTrue(m.contains("input s.jsonl: sha256:aa -> sha256:bb"), m);
    assertTrue(m.contains("input model: m1 -> m2"), m);
    assertTrue(m.contains("new run.id"), m);
    assertFalse(m.contains("pass_rate_threshold"), "gates are not a phase input: " + m);
  }

  @Test
  void aMarkerWithoutAFingerprintIsNotReusedSilently(@TempDir Path dir) throws Exception {
    Path phase = Files.createDirectories(dir.resolve("finetune"));
    Files.writeString(phase.resolve(PhaseLedger.MARKER), "{\"model\": \"x\"}");
    PhaseLedger ledger = new PhaseLedger(dir.toString());
    AlignTuneConfig c = config("{suites: [{path: s.jsonl}]}", "{}");
    String m = assertThrows(PhaseLedger.InputsChangedException.class,
        () -> ledger.finished("finetune", eval(c, "sha256:aa", "m1"), "r1")).getMessage();
    assertTrue(m.contains("without a fingerprint"), m);
  }

  @Test
  void aResumedRunKeepsTheDateOfItsFirstAttempt(@TempDir Path dir) throws Exception {
    PhaseLedger ledger = new PhaseLedger(dir.toString());
    assertEquals("2026-01-02", ledger.runDate("r1", "2026-01-02", false), "first attempt records its date");
    assertEquals("2026-01-02", ledger.runDate("r1", "2026-01-03", false), "after midnight, defaulted: the recorded date");
    assertEquals("2026-01-02", ledger.runDate("r1", "2026-01-02", true), "given and equal");
    String m = assertThrows(IllegalArgumentException.class, () -> ledger.runDate("r1", "2026-01-05", true)).getMessage();
    assertTrue(m.contains("2026-01-02") && m.contains("2026-01-05") && m.contains("new run.id"), m);
  }
}
