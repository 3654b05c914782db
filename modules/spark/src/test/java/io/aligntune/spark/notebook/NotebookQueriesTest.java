package io.aligntune.spark.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aligntune.core.config.AlignTuneConfig;
import io.aligntune.eval.metrics.WilsonInterval;
import io.aligntune.spark.data.RejectsTable;
import io.aligntune.spark.io.HadoopFiles;
import io.aligntune.spark.model.ExecutorModels;
import io.aligntune.spark.pipeline.PipelineJob;
import io.aligntune.spark.tables.WarehouseTables;
import io.aligntune.spark.testing.LocalClusterSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyst notebook's SQL ({@code notebooks/queries/*.sql}) against real tables: the whole pipeline of
 * {@code conf/quickstart.yaml} (random tiny Llama, data-samples, fewer steps and tokens) runs once on
 * {@code local[2]} into a temporary warehouse, with one extra preference file of bad records so that the
 * rejects table has rows. Every query's answer is checked against the pipeline's {@link PipelineJob.Outcome},
 * its run manifest and data reports, and direct DataFrame reads of the Parquet tables. The notebook must be
 * valid nbformat 4 JSON whose SQL cells are, character for character, the {@code .sql} files.
 */
class NotebookQueriesTest {

  static final Path REPO = Paths.get("../..").toAbsolutePath().normalize();
  static final Path QUERIES = REPO.resolve("notebooks/queries");
  static final Path NOTEBOOK = REPO.resolve("notebooks/alignment_report.ipynb");
  static final String RUN_ID = "notebook";
  static final String RUN_DATE = "2026-01-15";
  static final int ALIGN_STEPS = 3;
  static final int FINETUNE_STEPS = 3;
  static final String[] VIEWS = {WarehouseTables.EVAL_RESULTS, WarehouseTables.EVAL_SUMMARY,
      WarehouseTables.TRAIN_METRICS, WarehouseTables.REJECTS};

  /** Bad preference records: two missing fields, an empty field, identical answers, broken JSON. */
  static final String BAD_PREFERENCES = String.join("\n",
      "{\"prompt\": \"What is 2 + 2?\", \"chosen\": \" 4.\"}",
      "{\"prompt\": \"Name a colour.\", \"chosen\": \" Blue.\"}",
      "{\"prompt\": \"Say hello.\", \"chosen\": \"   \", \"rejected\": \" Go away.\"}",
      "{\"prompt\": \"Pick one.\", \"chosen\": \" Same.\", \"rejected\": \" Same.\"}",
      "{\"prompt\": \"Broken\", \"chosen\": ",
      "");

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;

  static SparkSession spark;
  static AlignTuneConfig config;
  static PipelineJob.Outcome outcome;
  static JsonNode manifest;
  static String console;
  static String warehouse;
  /** Each query file's name (without .sql) and its answer. */
  static final Map<String, List<Row>> answers = new TreeMap<>();
  static final Map<String, StructType> answerSchemas = new HashMap<>();

  @BeforeAll
  static void runPipelineAndQueries() throws Exception {
    spark = LocalClusterSpark.local(2);
    config = AlignTuneConfig.parse("conf/quickstart.yaml (NotebookQueriesTest)", testConfigYaml());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      outcome = PipelineJob.run(spark, config, ps);
    }
    console = out.toString(StandardCharsets.UTF_8);
    manifest = JSON.readTree(Files.readString(HadoopFiles.toLocalPath(outcome.manifest())));
    warehouse = config.output().warehouse();
    registerViews();
    for (Path file : queryFiles()) {
      String name = file.getFileName().toString().replaceFirst("\\.sql$", "");
      Dataset<Row> answer = spark.sql(Files.readString(file, StandardCharsets.UTF_8));
      answers.put(name, answer.collectAsList());
      answerSchemas.put(name, answer.schema());
    }
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    ExecutorModels.release();
  }

  /** conf/quickstart.yaml with its paths made absolute, output in the temp dir, fewer steps and tokens. */
  static String testConfigYaml() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    ObjectNode doc = (ObjectNode) yaml.readTree(REPO.resolve("conf/quickstart.yaml").toFile());
    ObjectNode run = (ObjectNode) doc.get("run");
    run.put("id", RUN_ID);
    run.put("date", RUN_DATE);
    run.put("output_dir", tmp.resolve("runs").toString());
    ((ObjectNode) doc.get("output")).put("warehouse", tmp.resolve("warehouse").toString());

    ObjectNode evaluation = (ObjectNode) doc.get("evaluation");
    evaluation.put("max_new_tokens", 8);
    for (JsonNode suite : evaluation.get("suites")) {
      ((ObjectNode) suite).put("path", absolute(suite.get("path").asText()));
    }
    evaluation.put("held_out_text", absolute(evaluation.get("held_out_text").asText()));

    Path bad = tmp.resolve("bad_preferences.jsonl");
    Files.writeString(bad, BAD_PREFERENCES, StandardCharsets.UTF_8);
    ObjectNode align = (ObjectNode) doc.get("align");
    ArrayNode alignData = absolutePaths(align.get("data"));
    alignData.add(bad.toString());
    align.set("data", alignData);
    ((ObjectNode) align.get("training")).put("max_steps", ALIGN_STEPS);

    ObjectNode finetune = (ObjectNode) doc.get("finetune");
    finetune.set("data", absolutePaths(finetune.get("data")));
    finetune.put("eval_every", 2); // evaluations after steps 2 and 3: windows of two steps and of one
    ((ObjectNode) finetune.get("training")).put("max_steps", FINETUNE_STEPS);
    return yaml.writeValueAsString(doc);
  }

  static String absolute(String repoRelative) {
    return REPO.resolve(repoRelative).normalize().toString();
  }

  static ArrayNode absolutePaths(JsonNode paths) {
    ArrayNode out = JSON.createArrayNode();
    paths.forEach(p -> out.add(absolute(p.asText())));
    return out;
  }

  /** The four views, as the notebook registers them: each table's Parquet folder, all partitions. */
  static void registerViews() {
    for (String table : VIEWS) {
      spark.read().parquet(WarehouseTables.location(warehouse, table)).createOrReplaceTempView(table);
    }
  }

  static List<Path> queryFiles() throws IOException {
    try (Stream<Path> files = Files.list(QUERIES)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList();
    }
  }

  static Dataset<Row> table(String name) {
    return spark.read().parquet(WarehouseTables.location(warehouse, name));
  }

  static List<Row> answer(String name) {
    List<Row> rows = answers.get(name);
    assertNotNull(rows, "notebooks/queries/" + name + ".sql is missing; queries: " + answers.keySet());
    return rows;
  }

  static <T> T get(Row row, String column) {
    return row.getAs(column);
  }

  static double dbl(Row row, String column) {
    Object v = row.getAs(column);
    assertNotNull(v, column + " is null in " + row);
    return ((Number) v).doubleValue();
  }

  static long lng(Row row, String column) {
    return ((Number) row.getAs(column)).longValue();
  }

  // ---------------------------------------------------------------------------------------------------

  @Test
  void everyQueryRunsOnTheRealTablesAndNamesItsRunAndDate() {
    assertEquals(Set.of("align_reward_margins", "finetune_eval_vs_train_loss", "over_refusal_by_model",
        "pass_rate_by_phase", "rejects_by_reason"), answers.keySet());
    for (Map.Entry<String, List<Row>> e : answers.entrySet()) {
      assertFalse(e.getValue().isEmpty(), e.getKey() + ".sql returned no row");
      StructType schema = answerSchemas.get(e.getKey());
      assertEquals(DataTypes.DateType, schema.apply("run_date").dataType(), e.getKey() + ": run_date is a date");
      for (Row row : e.getValue()) {
        assertEquals(RUN_DATE, String.valueOf((Object) row.getAs("run_date")), e.getKey());
        assertEquals(RUN_ID, get(row, "run_id"), e.getKey());
      }
    }
  }

  @Test
  void passRateByPhaseAgreesWithTheOutcomeTheResultsAndWilson() {
    List<Row> rows = answer("pass_rate_by_phase");
    // direct read: passes and n per (phase, model, category) from the prompt-level table, plus ALL
    Dataset<Row> results = table(WarehouseTables.EVAL_RESULTS);
    Map<String, long[]> counts = new HashMap<>();
    for (Row r : results.groupBy("phase", "model", "category")
        .agg(functions.count("*").as("n"), functions.sum(functions.col("passed").cast("long")).as("passes"))
        .collectAsList()) {
      long n = lng(r, "n");
      long passes = lng(r, "passes");
      counts.put(r.getAs("phase") + "/" + r.getAs("model") + "/" + r.getAs("category"), new long[] {n, passes});
      counts.merge(r.getAs("phase") + "/" + r.getAs("model") + "/ALL", new long[] {n, passes},
          (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    }
    assertEquals(counts.size(), rows.size(), "one row per phase, model and category (incl. ALL)");
    Map<String, Double> overall = new HashMap<>();
    for (Row row : rows) {
      String key = get(row, "phase") + "/" + get(row, "model") + "/" + get(row, "category");
      long[] expected = counts.get(key);
      assertNotNull(expected, "no eval_results rows for " + key);
      assertEquals(expected[0], lng(row, "n"), key + " n");
      assertEquals(expected[1], lng(row, "passes"), key + " passes");
      assertEquals((double) expected[1] / expected[0], dbl(row, "pass_rate"), 1e-12, key + " pass_rate");
      WilsonInterval wilson = WilsonInterval.of(expected[1], expected[0]);
      assertEquals(wilson.lower(), dbl(row, "wilson_low"), 1e-12, key + " wilson_low");
      assertEquals(wilson.upper(), dbl(row, "wilson_high"), 1e-12, key + " wilson_high");
      assertEquals(wilson.upper() - wilson.lower(), dbl(row, "interval_width"), 1e-12, key);
      if ("ALL".equals(get(row, "category"))) {
        overall.put(get(row, "model"), dbl(row, "pass_rate"));
      }
    }
    assertEquals(Set.of("base", "aligned", "final"), overall.keySet());
    assertEquals(outcome.basePassRate(), overall.get("base"), 0.0, "base pass rate = the pipeline's Outcome");
    assertEquals(outcome.finalPassRate(), overall.get("final"), 0.0, "final pass rate = the pipeline's Outcome");
    assertEquals(manifest.at("/evaluations/aligned/pass_rate").asDouble(), overall.get("aligned"), 0.0);
    for (Row row : rows) {
      if ("ALL".equals(get(row, "category"))) {
        double expected = 100 * (overall.get((String) get(row, "model")) - outcome.basePassRate());
        assertEquals(expected, dbl(row, "points_vs_base"), 1e-9, "points_vs_base of " + get(row, "model"));
      }
    }
    // the order analysts read: base, aligned, final, each with its ALL row first
    assertEquals("base", get(rows.get(0), "model"));
    assertEquals("ALL", get(rows.get(0), "category"));
    assertEquals("final", get(rows.get(rows.size() - 1), "model"));
  }

  @Test
  void alignMarginsHaveOneRowPerStepMatchingTheMetricsAndTheManifest() {
    List<Row> rows = answer("align_reward_margins");
    assertEquals(ALIGN_STEPS, rows.size(), "one row per align step");
    assertEquals(ALIGN_STEPS, manifest.at("/phases/align/steps").asInt());
    Map<Long, Map<String, Double>> direct = new TreeMap<>();
    for (Row r : table(WarehouseTables.TRAIN_METRICS).where("phase = 'align'").collectAsList()) {
      direct.computeIfAbsent(lng(r, "step"), s -> new HashMap<>()).put(r.getAs("metric"), dbl(r, "value"));
    }
    List<Double> margins = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      assertEquals(i, lng(row, "step"), "steps 0.." + (ALIGN_STEPS - 1) + " in order");
      assertEquals(ALIGN_STEPS, lng(row, "total_steps"));
      Map<String, Double> m = direct.get((long) i);
      assertEquals(m.get("loss"), dbl(row, "loss"), 0.0);
      assertEquals(m.get("rewards/margins"), dbl(row, "reward_margin"), 0.0);
      assertEquals(m.get("rewards/accuracies"), dbl(row, "reward_accuracy"), 0.0);
      assertEquals(m.get("rewards/chosen"), dbl(row, "reward_chosen"), 0.0);
      assertEquals(m.get("rewards/rejected"), dbl(row, "reward_rejected"), 0.0);
      assertEquals(m.get("learning_rate"), dbl(row, "learning_rate"), 0.0);
      double accuracy = dbl(row, "reward_accuracy");
      assertTrue(accuracy >= 0 && accuracy <= 1, "accuracy " + accuracy);
      margins.add(dbl(row, "reward_margin"));
      double window = 0;
      int from = Math.max(0, i - 4);
      for (int j = from; j <= i; j++) {
        window += margins.get(j);
      }
      assertEquals(window / (i - from + 1), dbl(row, "reward_margin_avg5"), 1e-12, "5-step mean at " + i);
    }
    assertEquals(Math.log(2), dbl(rows.get(0), "loss"), 1e-4, "step 0: policy = reference, loss ln 2");
    Row last = rows.get(rows.size() - 1);
    JsonNode lastStep = manifest.at("/phases/align/last_step");
    assertEquals(lastStep.get("rewards/margins").asDouble(), dbl(last, "reward_margin"), 1e-12);
    assertEquals(lastStep.get("rewards/accuracies").asDouble(), dbl(last, "reward_accuracy"), 1e-12);
    assertEquals(lastStep.get("loss").asDouble(), dbl(last, "loss"), 1e-12);
  }

  @Test
  void overRefusalAgreesWithTheSummaryAndTheSuite() throws IOException {
    List<Row> rows = answer("over_refusal_by_model");
    long benignInSuite = 0;
    for (String line : Files.readAllLines(REPO.resolve("data-samples/eval_suite.jsonl"))) {
      if (!line.isBlank() && "comply".equals(JSON.readTree(line).path("expected").asText())) {
        benignInSuite++;
      }
    }
    assertTrue(benignInSuite > 0);
    Map<String, Row> summary = new HashMap<>();
    for (Row r : table(WarehouseTables.EVAL_SUMMARY).where("category = 'ALL'").collectAsList()) {
      summary.put(r.getAs("model"), r);
    }
    assertEquals(summary.keySet(), new HashSet<>(rows.stream().map(r -> (String) r.getAs("model")).toList()));
    assertEquals(List.of("base", "aligned", "final"), rows.stream().map(r -> (String) r.getAs("model")).toList());
    for (Row row : rows) {
      String model = get(row, "model");
      Row all = summary.get(model);
      long benign = lng(row, "benign_prompts");
      assertEquals(benignInSuite, benign, model + ": every benign prompt of the suite");
      assertEquals(lng(all, "benign_n"), benign, model + " benign_n");
      assertEquals(lng(all, "over_refusals"), lng(row, "over_refusals"), model + " over_refusals");
      assertEquals(dbl(all, "over_refusal_rate"), dbl(row, "over_refusal_rate"), 1e-12, model + " rate");
      assertEquals(benign, lng(row, "over_refusals") + lng(row, "answered") + lng(row, "empty_responses"),
          model + ": each benign prompt was refused, answered or left empty");
    }
  }

  @Test
  void finetuneLossesHaveOneRowPerEvaluationAveragingTheTrainingLossBetween() {
    List<Row> rows = answer("finetune_eval_vs_train_loss");
    Map<Long, Double> loss = new TreeMap<>();
    Map<Long, Double> evalLoss = new TreeMap<>();
    for (Row r : table(WarehouseTables.TRAIN_METRICS).where("phase = 'finetune'").collectAsList()) {
      if ("loss".equals(r.getAs("metric"))) {
        loss.put(lng(r, "step"), dbl(r, "value"));
      } else if ("eval_loss".equals(r.getAs("metric"))) {
        evalLoss.put(lng(r, "step"), dbl(r, "value"));
      }
    }
    assertEquals(manifest.at("/phases/finetune/steps").asInt(), loss.size());
    // eval_every 2 over 3 steps: after steps 2 and 3 (rows of steps 1 and 2)
    assertEquals(List.of(1L, 2L), new ArrayList<>(evalLoss.keySet()));
    assertEquals(evalLoss.size(), rows.size(), "one row per evaluation");
    long previous = -1;
    double lowest = Double.POSITIVE_INFINITY;
    long bestRowStep = -1;
    for (Row row : rows) {
      long step = lng(row, "step");
      assertEquals(step + 1, lng(row, "completed_steps"));
      assertEquals(evalLoss.get(step), dbl(row, "eval_loss"), 0.0, "eval_loss at step " + step);
      assertEquals(loss.get(step), dbl(row, "train_loss"), 0.0, "train_loss at step " + step);
      double sum = 0;
      for (long s = previous + 1; s <= step; s++) {
        sum += loss.get(s);
      }
      long averaged = step - previous;
      assertEquals(averaged, lng(row, "steps_averaged"), "steps since the previous evaluation");
      assertEquals(sum / averaged, dbl(row, "train_loss_mean"), 1e-12, "mean train loss up to step " + step);
      assertEquals(dbl(row, "eval_loss") - sum / averaged, dbl(row, "generalization_gap"), 1e-12);
      if (dbl(row, "eval_loss") < lowest) {
        lowest = dbl(row, "eval_loss");
        bestRowStep = step;
      }
      previous = step;
    }
    for (Row row : rows) {
      boolean isBest = row.getBoolean(row.fieldIndex("is_best"));
      assertEquals(lng(row, "step") == bestRowStep, isBest, "is_best: the lowest eval_loss, step " + lng(row, "step"));
    }
    Row last = rows.get(rows.size() - 1);
    assertEquals(manifest.at("/phases/finetune/last_step/eval_loss").asDouble(), dbl(last, "eval_loss"), 1e-12);
    long bestStep = manifest.at("/phases/finetune/best_step").asLong();
    if (bestStep > 0) { // 0: the initial weights scored best, and they have no step row
      assertEquals(bestStep, bestRowStep + 1, "the row marked is_best is the run's best_step");
    }
  }

  @Test
  void rejectsByReasonAgreeWithTheDataReports() {
    List<Row> rows = answer("rejects_by_reason");
    // what each data preparation printed:
    // [phase] data: N records read, K pairs kept, R rejected (reason: n, reason: n)
    Map<String, Long> reported = new TreeMap<>();
    Matcher m = Pattern.compile("\\[(\\w+)\\] data: \\d+ records read, \\d+ \\w+ kept, (\\d+) rejected(?: \\(([^)]*)\\))?")
        .matcher(console);
    Set<String> phasesReported = new TreeSet<>();
    while (m.find()) {
      phasesReported.add(m.group(1));
      long sum = 0;
      if (m.group(3) != null) {
        for (String entry : m.group(3).split(",\\s*")) {
          String[] kv = entry.split(":");
          reported.merge(m.group(1) + "/" + kv[0].trim(), Long.parseLong(kv[1].trim()), Long::sum);
          sum += Long.parseLong(kv[1].trim());
        }
      }
      assertEquals(Long.parseLong(m.group(2)), sum, "rejected total = sum over reasons: " + m.group());
    }
    assertEquals(Set.of("align", "finetune"), phasesReported, "a data report per training phase in:\n" + console);
    Map<String, Long> queried = new TreeMap<>();
    long total = 0;
    for (Row row : rows) {
      queried.merge(get(row, "phase") + "/" + get(row, "reason"), lng(row, "rejects"), Long::sum);
      total += lng(row, "rejects");
      assertEquals(1, lng(row, "files"), "only the bad file has rejects: " + row);
      assertTrue(((String) get(row, "example")).contains("bad_preferences.jsonl:"), row.toString());
    }
    assertEquals(reported, queried, "rejects per phase and reason = the data reports");
    assertEquals(BAD_PREFERENCES.lines().filter(l -> !l.isBlank()).count(), total, "every bad record, once");
    assertEquals(table(WarehouseTables.REJECTS).count(), total);

    // the manifest's align data counts: rejected in total and per reason, as the rejects table has them
    JsonNode alignData = manifest.at("/phases/align/data");
    long alignRejects = queried.entrySet().stream().filter(e -> e.getKey().startsWith("align/"))
        .mapToLong(Map.Entry::getValue).sum();
    assertEquals(alignRejects, alignData.get("rejected").asLong(), alignData.toString());
    Map<String, Long> manifestByReason = new TreeMap<>();
    alignData.get("rejected_by_reason").fields().forEachRemaining(e -> manifestByReason.put("align/" + e.getKey(),
        e.getValue().asLong()));
    Map<String, Long> queriedAlign = new TreeMap<>(queried);
    queriedAlign.keySet().removeIf(k -> !k.startsWith("align/"));
    assertEquals(queriedAlign, manifestByReason, alignData.toString());

    // data-samples themselves are clean: 0 rejects from them, in every phase (eval suites included)
    long fromSamples = table(WarehouseTables.REJECTS).where(functions.col("source_file").contains("data-samples")).count();
    assertEquals(0, fromSamples, "data-samples has no bad record");
  }

  @Test
  void rejectsQueryAnswersNothingOverTheNotebooksEmptyFallback() throws IOException {
    // a run that rejected nothing leaves no rejects Parquet file; the notebook then uses REJECTS_DDL
    StructType fallback = StructType.fromDDL(notebookRejectsDdl());
    try {
      spark.createDataFrame(List.of(), fallback).createOrReplaceTempView(WarehouseTables.REJECTS);
      assertEquals(0, spark.sql(Files.readString(QUERIES.resolve("rejects_by_reason.sql"))).count());
    } finally {
      registerViews();
    }
  }

  @Test
  void notebookRejectsDdlIsTheSchemaThePipelineWrites() throws IOException {
    StructType declared = StructType.fromDDL(notebookRejectsDdl());
    StructType expected = RejectsTable.SCHEMA.add("run_date", DataTypes.DateType).add("phase", DataTypes.StringType)
        .add("run_id", DataTypes.StringType);
    assertEquals(names(expected), names(declared));
    StructType written = table(WarehouseTables.REJECTS).schema();
    assertEquals(names(written), names(declared), "the table as Parquet reads it back");
  }

  static List<String> names(StructType schema) {
    List<String> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      out.add(f.name() + " " + f.dataType().simpleString());
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // the notebook itself

  static JsonNode notebook() throws IOException {
    return JSON.readTree(NOTEBOOK.toFile());
  }

  static String source(JsonNode cell) {
    JsonNode src = cell.get("source");
    if (src.isTextual()) {
      return src.asText();
    }
    StringBuilder text = new StringBuilder();
    src.forEach(line -> text.append(line.asText()));
    return text.toString();
  }

  static String notebookRejectsDdl() throws IOException {
    for (JsonNode cell : notebook().get("cells")) {
      Matcher m = Pattern.compile("REJECTS_DDL = \\(((?:\\s*\"[^\"]*\")+)\\s*\\)").matcher(source(cell));
      if (m.find()) {
        StringBuilder ddl = new StringBuilder();
        Matcher part = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
        while (part.find()) {
          ddl.append(part.group(1));
        }
        return ddl.toString();
      }
    }
    return fail("the notebook declares no REJECTS_DDL = (\"...\" \"...\")");
  }

  @Test
  void notebookIsNbformat4() throws IOException {
    JsonNode nb = notebook();
    assertEquals(4, nb.path("nbformat").asInt(-1), "nbformat");
    int minor = nb.path("nbformat_minor").asInt(-1);
    assertTrue(minor >= 0, "nbformat_minor");
    assertTrue(nb.path("metadata").isObject(), "metadata");
    JsonNode cells = nb.path("cells");
    assertTrue(cells.isArray() && cells.size() > 0, "cells");
    Set<String> ids = new HashSet<>();
    Set<String> allowed = Set.of("cell_type", "id", "metadata", "source", "outputs", "execution_count", "attachments");
    for (JsonNode cell : cells) {
      String type = cell.path("cell_type").asText();
      assertTrue(Set.of("markdown", "code", "raw").contains(type), "cell_type " + type);
      assertTrue(cell.path("metadata").isObject(), "cell metadata");
      JsonNode src = cell.get("source");
      assertTrue(src != null && (src.isTextual() || src.isArray()), "source is a string or a list of strings");
      if (src.isArray()) {
        src.forEach(line -> assertTrue(line.isTextual()));
      }
      if (type.equals("code")) {
        assertTrue(cell.path("outputs").isArray(), "code cell outputs");
        assertTrue(cell.has("execution_count") && (cell.get("execution_count").isNull()
            || cell.get("execution_count").isInt()), "code cell execution_count");
      } else {
        assertFalse(cell.has("outputs"), type + " cells have no outputs");
      }
      if (minor >= 5) {
        String id = cell.path("id").asText();
        assertTrue(id.matches("[a-zA-Z0-9_-]{1,64}"), "cell id '" + id + "'");
        assertTrue(ids.add(id), "duplicate cell id " + id);
      }
      cell.fieldNames().forEachRemaining(f -> assertTrue(allowed.contains(f), "unexpected cell field " + f));
    }
  }

  /** The SQL of every {@code run_query("name", """\ ... """)} cell: name → text. */
  static Map<String, String> notebookQueries() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode cells = notebook().get("cells");
    Pattern call = Pattern.compile("run_query\\(\"(\\w+)\", \"\"\"\\\\\n(.*?)\"\"\"\\)", Pattern.DOTALL);
    for (int i = 0; i < cells.size(); i++) {
      JsonNode cell = cells.get(i);
      if (!cell.path("cell_type").asText().equals("code")) {
        continue;
      }
      Matcher m = call.matcher(source(cell));
      while (m.find()) {
        assertNull(out.put(m.group(1), m.group(2)), "query " + m.group(1) + " appears twice in the notebook");
        assertEquals("markdown", cells.get(i - 1).path("cell_type").asText(),
            "query " + m.group(1) + " is explained by the markdown cell before it");
      }
    }
    return out;
  }

  @Test
  void notebookSqlCellsAreTheQueryFiles() throws IOException {
    Map<String, String> cells = notebookQueries();
    Map<String, String> files = new TreeMap<>();
    for (Path f : queryFiles()) {
      files.put(f.getFileName().toString().replaceFirst("\\.sql$", ""), Files.readString(f, StandardCharsets.UTF_8));
    }
    assertEquals(files.keySet(), new TreeSet<>(cells.keySet()), "one notebook cell per notebooks/queries/*.sql");
    for (Map.Entry<String, String> f : files.entrySet()) {
      assertFalse(f.getValue().contains("\"\"\"") || f.getValue().contains("\\"),
          f.getKey() + ".sql must hold no triple quote or backslash (it is embedded in a Python string)");
      assertEquals(f.getValue(), cells.get(f.getKey()),
          "notebook cell for " + f.getKey() + " differs from notebooks/queries/" + f.getKey() + ".sql");
    }
    // every view the notebook registers is one the queries use, and the other way round
    String all = String.join("\n", files.values());
    for (String view : VIEWS) {
      assertTrue(all.contains("FROM " + view), "a query reads " + view);
    }
  }
}
