package io.aligntune.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AlignTuneConfigTest {

  static final String MINIMAL = "run: {id: r1, output_dir: out}\n";

  static Stream<Path> shippedConfigs() throws Exception {
    Path conf = Paths.get("../../conf");
    List<Path> files;
    try (Stream<Path> s = Files.list(conf)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "conf/ holds YAML recipes");
    return files.stream();
  }

  @ParameterizedTest
  @MethodSource("shippedConfigs")
  void everyShippedConfigLoadsAndValidates(Path file) throws Exception {
    AlignTuneConfig config = AlignTuneConfig.load(file);
    assertFalse(config.run().id().isBlank());
    assertTrue(config.align().enabled() || config.finetune().enabled() || !config.evaluation().suites().isEmpty(),
        file + " does something");
  }

  /** The README's "Configuration reference" section: the text between its heading and the next one. */
  static String readmeReference() throws Exception {
    String readme = Files.readString(Paths.get("../../README.md"));
    int start = readme.indexOf("## Configuration reference");
    assertTrue(start >= 0, "README.md has a Configuration reference section");
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  /**
   * Every leaf key of {@code node} as the reference names it: {@code align.lora.rank} and
   * {@code finetune.lora.rank} are both {@code lora.rank}, list items are {@code suites[]}.
   */
  static void fieldNames(String path, com.fasterxml.jackson.databind.JsonNode node, java.util.Set<String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> fieldNames(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out));
    } else if (node.isArray() && node.size() > 0 && node.get(0).isObject()) {
      node.forEach(item -> fieldNames(path + "[]", item, out));
    } else {
      out.add(path.replaceFirst("^(align|finetune)\\.(lora|training)\\.", "$2."));
    }
  }

  static java.util.Set<String> fieldsOf(Path yaml) throws Exception {
    java.util.Set<String> names = new java.util.TreeSet<>();
    fieldNames("", new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
        .readTree(yaml.toFile()), names);
    return names;
  }

  @ParameterizedTest
  @MethodSource("shippedConfigs")
  void everyFieldOfAShippedConfigIsInTheReadmeReference(Path file) throws Exception {
    String reference = readmeReference();
    List<String> undocumented = fieldsOf(file).stream().filter(f -> !reference.contains("`" + f + "`")).toList();
    assertEquals(List.of(), undocumented, file + ": fields missing from README.md's Configuration reference");
  }

  @Test
  void pipelineYamlSpellsOutEveryDocumentedField() throws Exception {
    java.util.Set<String> documented = new java.util.TreeSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("`([a-z_]+(?:\\[])?(?:\\.[a-z_]+(?:\\[])?)+)`")
        .matcher(readmeReference().split("\n\\*\\*")[0]); // the table, not the paragraphs after it
    while (m.find()) {
      if (AlignTuneConfig.SECTIONS.contains(m.group(1).split("[.\\[]")[0]) || m.group(1).matches("(lora|training)\\..*")) {
        documented.add(m.group(1));
      }
    }
    java.util.Set<String> spelledOut = fieldsOf(Paths.get("../../conf/pipeline.yaml"));
    // left as comments there: no fixed value suits them (today's date; a model the clone may not have; a head
    // width that is derived from hidden_size unless given)
    java.util.Set<String> missing = new java.util.TreeSet<>(documented);
    missing.removeAll(spelledOut);
    assertEquals(java.util.Set.of("model.init.head_dim", "model.path", "model.tokenizer", "run.date"), missing);
    assertTrue(documented.size() > 60, "the reference table was read: " + documented);
  }

  @Test
  void defaultsAreDocumentedValues() {
    AlignTuneConfig c = AlignTuneConfig.parse("t.yaml", MINIMAL);
    assertEquals(0.95, c.gates().passRateThreshold());
    assertEquals(List.of("align", "finetune"), c.pipeline().order());
    assertFalse(c.align().enabled());
    assertTrue(c.model().isRandom());
    assertEquals("out/warehouse", c.output().warehouse());
  }

  @Test
  void aRepeatedKeyIsRefusedWithItsNameAndLine() {
    String topLevel = error(String.join("\n", "run: {id: first, output_dir: out}", "gates: {pass_rate_threshold: 0.5}",
        "run: {id: second, output_dir: elsewhere}", ""));
    assertTrue(topLevel.contains("'run'") && topLevel.contains("appears twice") && topLevel.contains("line 3"), topLevel);
    String nested = error(String.join("\n", "run: {id: r1, output_dir: out}", "gates:", "  pass_rate_threshold: 0.5",
        "  max_drop_points: 2", "  pass_rate_threshold: 0.9", ""));
    assertTrue(nested.contains("'pass_rate_threshold'") && nested.contains("line 5"), nested);
    // the same keys in different mappings are not duplicates
    AlignTuneConfig ok = AlignTuneConfig.parse("t.yaml", String.join("\n", "run: {id: r1, output_dir: out}",
        "align: {data: [a.jsonl], lora: {rank: 2}, training: {max_steps: 3}}",
        "finetune: {data: [b.jsonl], lora: {rank: 2}, training: {max_steps: 4}}", ""));
    assertEquals(3, ok.align().training().maxSteps());
  }

  @Test
  void aDefaultedRunDateIsMarkedAsNotGiven() {
    assertFalse(AlignTuneConfig.parse("t.yaml", MINIMAL).run().dateGiven());
    AlignTuneConfig dated = AlignTuneConfig.parse("t.yaml", "run: {id: r1, output_dir: out, date: '2026-01-02'}\n");
    assertTrue(dated.run().dateGiven());
    assertTrue(AlignTuneConfig.parse("t.yaml", MINIMAL).withRunDate("2026-01-02").run().dateGiven(), "--run-date");
    AlignTuneConfig resumed = AlignTuneConfig.parse("t.yaml", MINIMAL).withRecordedRunDate("2025-12-31");
    assertEquals("2025-12-31", resumed.run().date());
    assertEquals("r1", resumed.run().id());
  }

  static String error(String yaml) {
    return assertThrows(ConfigException.class, () -> AlignTuneConfig.parse("bad.yaml", yaml)).getMessage();
  }

  @Test
  void trainingCrossChecksNameTheFullFieldPath() {
    assertEquals("bad.yaml: align.training.warmup_steps (10) must be smaller than max_steps (10)",
        error(MINIMAL + "align: {data: [x.jsonl], training: {max_steps: 10, warmup_steps: 10}}\n"));
    assertEquals("bad.yaml: finetune.training.micro_batch_size (8) must not exceed global_batch_size (4)",
        error(MINIMAL + "finetune: {data: [x.jsonl], training: {global_batch_size: 4, micro_batch_size: 8}}\n"));
  }

  @Test
  void badValuesNameTheFieldAndWhatIsAllowed() {
    String loss = error(MINIMAL + "align: {data: [x.jsonl], loss: kto}\n");
    assertTrue(loss.contains("bad.yaml") && loss.contains("align.loss") && loss.contains("sigmoid, ipo, hinge"), loss);

    String typo = error(MINIMAL + "align: {data: [x.jsonl], max_lenght: 12}\n");
    assertTrue(typo.contains("align.max_lenght") && typo.contains("not a known setting") && typo.contains("max_length"), typo);

    String range = error(MINIMAL + "gates: {pass_rate_threshold: 1.5}\n");
    assertTrue(range.contains("gates.pass_rate_threshold") && range.contains("1.5"), range);

    String type = error(MINIMAL + "align: {data: [x.jsonl], training: {max_steps: ten}}\n");
    assertTrue(type.contains("align.training.max_steps") && type.contains("whole number"), type);

    String trainingTypo = error(MINIMAL + "finetune: {data: [x.jsonl], training: {learning_rat: 1.0e-5}}\n");
    assertTrue(trainingTypo.contains("finetune.training.learning_rat") && trainingTypo.contains("not a known setting")
        && trainingTypo.contains("learning_rate"), trainingTypo);

    String missing = error("run: {output_dir: out}\n");
    assertTrue(missing.contains("run.id") && missing.contains("required"), missing);

    String target = error(MINIMAL + "align: {data: [x.jsonl], lora: {targets: [q, wq]}}\n");
    assertTrue(target.contains("lora") && target.contains("'wq'") && target.contains("q, k, v, o, gate, up, down"), target);

    String yaml = error("run: [unclosed\n");
    assertTrue(yaml.contains("bad.yaml") && yaml.contains("not valid YAML"), yaml);
  }

  @Test
  void aBadLoraTargetNamesItsSectionOnce() {
    assertEquals("bad.yaml: align.lora.targets: unknown projection 'oo'; allowed: q, k, v, o, gate, up, down",
        error(MINIMAL + "align: {data: [x.jsonl], lora: {targets: [q, oo]}}\n"));
    assertEquals("bad.yaml: finetune.lora.targets: unknown projection 'oo'; allowed: q, k, v, o, gate, up, down",
        error(MINIMAL + "finetune: {data: [x.jsonl], lora: {targets: [oo]}}\n"));
    String empty = error(MINIMAL + "finetune: {data: [x.jsonl], lora: {targets: []}}\n");
    assertTrue(empty.contains("finetune.lora.targets is empty") && !empty.contains("lora lora"), empty);
  }

  @Test
  void aRandomModelShapeIsCheckedAtLoadNamingTheField() {
    String heads = error(MINIMAL + "model: {init: {hidden_size: 64, num_attention_heads: 3, num_key_value_heads: 1}}\n");
    assertTrue(heads.startsWith("bad.yaml: model.init.num_attention_heads is 3") && heads.contains("hidden_size 64")
        && heads.contains("model.init.head_dim"), heads);
    String kv = error(MINIMAL + "model: {init: {num_attention_heads: 4, num_key_value_heads: 3}}\n");
    assertTrue(kv.startsWith("bad.yaml: model.init.num_key_value_heads is 3") && kv.contains("num_attention_heads 4"), kv);
    String odd = error(MINIMAL + "model: {init: {hidden_size: 64, num_attention_heads: 3, num_key_value_heads: 1, head_dim: 15}}\n");
    assertTrue(odd.startsWith("bad.yaml: model.init.head_dim") && odd.contains("even"), odd);
    String size = error(MINIMAL + "model: {init: {hidden_size: 0}}\n");
    assertTrue(size.startsWith("bad.yaml: model.init.hidden_size is 0"), size);
    // the advice is real: an explicit head_dim is accepted (query width heads × head_dim need not be hidden_size)
    AlignTuneConfig given = AlignTuneConfig.parse("t.yaml",
        MINIMAL + "model: {init: {hidden_size: 64, num_attention_heads: 3, num_key_value_heads: 1, head_dim: 16}}\n");
    assertEquals(16, given.model().init().headDim());
    assertEquals(48, given.model().init().qDim());
    assertEquals(16, AlignTuneConfig.parse("t.yaml", MINIMAL).model().init().headDim(), "derived: 64 / 4");
  }

  @Test
  void runMasterIsCheckedAtLoadAgainstTheFormsSparkAccepts() {
    for (String ok : List.of("local", "local[1]", "local[*]", "local[4,2]", "local[*, 3]", "local-cluster[2,1,1024]",
        "spark://host:7077", "spark://a:7077,b:7077")) {
      assertEquals(ok, AlignTuneConfig.parse("t.yaml", "run: {id: r1, output_dir: out, master: '" + ok + "'}\n").run().master());
    }
    // yarn and k8s:// are spark-submit's business (the embedded launcher has neither client); Mesos left Spark 4
    for (String bad : List.of("yarn-nope", "local[0]", "local[]", "locals", "local-cluster[2,1]", "spark:/host", "",
        "yarn", "k8s://https://api:6443", "mesos://zk://h:2181/mesos")) {
      String message = error("run: {id: r1, output_dir: out, master: '" + bad + "'}\n");
      assertTrue(message.startsWith("bad.yaml: run.master is '" + bad + "'; allowed: local, local[N], local[*]")
          && message.contains("local-cluster[N,C,M]") && message.contains("for YARN or Kubernetes use spark-submit --master"),
          message);
    }
  }

  @Test
  void thePerplexityGateIsOffByDefaultAndNeedsHeldOutText() {
    assertEquals(0.0, AlignTuneConfig.parse("t.yaml", MINIMAL).gates().maxPerplexityRatio());
    String below = error(MINIMAL + "gates: {max_perplexity_ratio: 0.8}\n");
    assertTrue(below.contains("gates.max_perplexity_ratio") && below.contains(">= 1"), below);
    String noText = error(MINIMAL + "gates: {max_perplexity_ratio: 1.3}\n");
    assertTrue(noText.contains("gates.max_perplexity_ratio needs evaluation.held_out_text"), noText);
    AlignTuneConfig on = AlignTuneConfig.parse("t.yaml", MINIMAL + "gates: {max_perplexity_ratio: 1.3}\n"
        + "evaluation: {suites: [{path: s.jsonl, format: jsonl}], held_out_text: t.txt}\n");
    assertEquals(1.3, on.gates().maxPerplexityRatio());
  }

  @Test
  void packingIsOffByDefaultParsedWhenGivenAndMustBeABoolean() {
    assertFalse(AlignTuneConfig.parse("t.yaml", MINIMAL + "finetune: {data: [x.jsonl]}\n").finetune().packing());
    assertTrue(AlignTuneConfig.parse("t.yaml", MINIMAL + "finetune: {data: [x.jsonl], packing: true}\n").finetune().packing());
    assertFalse(AlignTuneConfig.parse("t.yaml", MINIMAL + "finetune: {data: [x.jsonl], packing: false}\n").finetune().packing());
    String bad = error(MINIMAL + "finetune: {data: [x.jsonl], packing: sometimes}\n");
    assertTrue(bad.contains("finetune.packing") && bad.contains("true or false") && bad.contains("sometimes"), bad);
    String quoted = error(MINIMAL + "finetune: {data: [x.jsonl], packing: 'yes please'}\n");
    assertTrue(quoted.contains("finetune.packing"), quoted);
  }

  @Test
  void fineTuningBeforeAligningIsRefusedWithTheReasonUnlessOverridden() {
    String refused = error(MINIMAL + "pipeline: {order: [finetune, align]}\n");
    assertTrue(refused.contains("pipeline.order") && refused.contains("allow_finetune_before_align")
        && refused.contains("Fine-tuning does not fix behaviour"), refused);
    AlignTuneConfig allowed = AlignTuneConfig.parse("t.yaml",
        MINIMAL + "pipeline: {order: [finetune, align], allow_finetune_before_align: true}\n");
    assertEquals(List.of("finetune", "align"), allowed.pipeline().order());
  }

  @Test
  void aDatePlaceholderInTheRunIdGivesOneRunPerDate() {
    AlignTuneConfig c = AlignTuneConfig.parse("t.yaml", "run: {id: 'nightly-{date}', output_dir: out, date: '2026-12-01'}\n");
    assertEquals("nightly-2026-12-01", c.run().id());
    assertEquals("nightly-2026-12-02", c.withRunDate("2026-12-02").run().id());
    assertThrows(ConfigException.class, () -> c.withRunDate("yesterday"));
  }

  @Test
  void aMissingConfigFileIsNamed() {
    String message = assertThrows(ConfigException.class, () -> AlignTuneConfig.load(Paths.get("no/such/config.yaml")))
        .getMessage();
    assertTrue(message.contains("no/such/config.yaml") && message.contains("not found"), message);
  }

  @Test
  void learningRateInScientificNotationIsANumber() {
    AlignTuneConfig c = AlignTuneConfig.parse("t.yaml", MINIMAL + "align: {data: [x], training: {learning_rate: 5e-4}}\n");
    assertEquals(5e-4, c.align().training().learningRate(), 0);
  }
}
