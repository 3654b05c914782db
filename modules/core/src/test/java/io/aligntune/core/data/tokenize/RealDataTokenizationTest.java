package io.aligntune.core.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aligntune.core.data.CharTokenizer;
import io.aligntune.core.data.Parsed;
import io.aligntune.core.data.QuarantineReport;
import io.aligntune.core.data.SharedData;
import io.aligntune.core.data.chat.ChatRenderer;
import io.aligntune.core.data.io.JsonArraySource;
import io.aligntune.core.data.io.JsonlSource;
import io.aligntune.core.data.preference.PreferencePair;
import io.aligntune.core.data.preference.PreferenceRecordParser;
import io.aligntune.core.data.sft.SftExample;
import io.aligntune.core.data.sft.SftFormat;
import io.aligntune.core.data.sft.SftRecordParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole preparation path on real files, parse then tokenize, with one quarantine report per stage:
 * the invariants every trained sequence must satisfy hold for every record, however it was cut.
 */
@Tag("real-data")
class RealDataTokenizationTest {

  private static final CharTokenizer TOKENIZER = CharTokenizer.withDummyPrefix();

  @Test
  void hhPairsTokenizeToWellFormedSequences() throws Exception {
    Path file = SharedData.require("preferences/hh-rlhf_harmless-base_test.jsonl.gz");
    TruncationPolicy policy = new TruncationPolicy(512, 384);
    PreferencePairTokenizer tokenizer = new PreferencePairTokenizer(TOKENIZER, policy);
    QuarantineReport parsing = new QuarantineReport();
    QuarantineReport tokenizing = new QuarantineReport();
    List<PreferencePair> pairs;
    try (Stream<Parsed<PreferencePair>> records = JsonlSource.read(file.toString(), Files.newInputStream(file),
        PreferenceRecordParser.autoDetect(ChatRenderer.plain()))) {
      pairs = records.peek(parsing::add).flatMap(p -> p.values().stream()).toList();
    }
    int cut = 0;
    for (PreferencePair pair : pairs) {
      Parsed<TokenizedPair> parsed = tokenizer.tokenize(pair);
      tokenizing.add(parsed);
      for (TokenizedPair tokens : parsed.values()) {
        for (CompletionSequence sequence : List.of(tokens.chosen(), tokens.rejected())) {
          int[] ids = sequence.sequence();
          assertTrue(ids.length <= policy.maxLength());
          assertEquals(CharTokenizer.BOS, ids[0]);
          for (int t = 1; t < ids.length; t++) {
            assertTrue(ids[t] != CharTokenizer.BOS, "exactly one BOS, at position 0");
          }
          assertEquals(CharTokenizer.EOS, ids[ids.length - 1], "EOS closes every completion, cut or not");
          assertTrue(sequence.completionLength() >= 2);
        }
        if (tokens.chosen().length() == policy.maxLength() || tokens.rejected().length() == policy.maxLength()) {
          cut++;
        }
        String promptText = TOKENIZER.decode(tokens.promptIds());
        assertTrue((" " + pair.prompt()).endsWith(promptText), "the prompt keeps its end");
      }
    }
    assertEquals(parsing.valuesProduced(), tokenizing.rowsRead(), "the tokenize stage reads the parsed pairs");
    tokenizing.checkConsistent();
    assertTrue(cut > 100, "the policy was exercised: " + cut + " pairs reached max_length");
  }

  @Test
  void alpacaExamplesTokenizeWithSupervisedOutputs() throws Exception {
    Path file = SharedData.require("sft/alpaca_data_1k.json");
    SftExampleTokenizer tokenizer = new SftExampleTokenizer(TOKENIZER, new TruncationPolicy(256, 192));
    QuarantineReport tokenizing = new QuarantineReport();
    List<SftExample> examples;
    try (Stream<Parsed<SftExample>> records = JsonArraySource.read(file.toString(), Files.newInputStream(file),
        new SftRecordParser(SftFormat.AUTO, ChatRenderer.plain()))) {
      examples = records.flatMap(p -> p.values().stream()).toList();
    }
    List<TokenizedSequence> sequences = examples.stream().map(tokenizer::tokenize).peek(tokenizing::add)
        .flatMap(p -> p.values().stream()).toList();
    assertEquals(1000, tokenizing.rowsRead());
    tokenizing.checkConsistent();
    assertEquals(1000, tokenizing.rowsAccepted(), String.valueOf(tokenizing));
    for (TokenizedSequence sequence : sequences) {
      assertTrue(sequence.length() <= 256);
      assertEquals(CharTokenizer.EOS, sequence.id(sequence.length() - 1));
      assertTrue(sequence.isSupervised(sequence.length() - 1));
    }
    List<PackedRow> rows = new SequencePacker(1024, TOKENIZER.padId()).pack(sequences);
    assertEquals(1000, rows.stream().mapToInt(PackedRow::exampleCount).sum());
    assertTrue(rows.size() < 1000 / 2, "packing saves rows: " + rows.size());
  }
}
