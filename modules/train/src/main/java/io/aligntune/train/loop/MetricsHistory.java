package io.aligntune.train.loop;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every step's record of a run, in order. Saved inside each checkpoint so that a resumed run still reports
 * (and writes to {@code train_metrics}) the steps made before the interruption.
 */
public final class MetricsHistory implements StepListener {

  public static final String FILE = "metrics.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<StepRecord> records = new ArrayList<>();

  @Override
  public synchronized void onStep(StepRecord record, TrainingState state) {
    records.add(record);
  }

  public synchronized List<StepRecord> records() {
    return List.copyOf(records);
  }

  /** Keeps only records before {@code step} (after resuming from a checkpoint of that step). */
  public synchronized void truncateTo(long step) {
    records.removeIf(r -> r.step() >= step);
  }

  public synchronized void writeTo(Path dir) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (StepRecord r : records) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("step", r.step());
      row.put("total_steps", r.totalSteps());
      row.put("seconds", r.seconds());
      row.put("metrics", r.metrics());
      rows.add(row);
    }
    Files.writeString(dir.resolve(FILE), JSON.writeValueAsString(rows));
  }

  public static MetricsHistory readFrom(Path dir) throws IOException {
    MetricsHistory history = new MetricsHistory();
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return history;
    }
    List<Map<String, Object>> rows = JSON.readValue(file.toFile(), new TypeReference<>() {});
    for (Map<String, Object> row : rows) {
      @SuppressWarnings("unchecked")
      Map<String, Object> raw = (Map<String, Object>) row.get("metrics");
      Map<String, Double> metrics = new LinkedHashMap<>();
      raw.forEach((k, v) -> metrics.put(k, ((Number) v).doubleValue()));
      history.records.add(new StepRecord(((Number) row.get("step")).longValue(),
          ((Number) row.get("total_steps")).longValue(), metrics, ((Number) row.get("seconds")).doubleValue()));
    }
    return history;
  }
}
