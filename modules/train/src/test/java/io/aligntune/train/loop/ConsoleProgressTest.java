package io.aligntune.train.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The progress line, parsed back into its fields: what an operator reads must be the step's values. */
class ConsoleProgressTest {

  /** The DPO line; every field captured so a value in the wrong place or unit fails, not just a missing word. */
  static final Pattern DPO_LINE = Pattern.compile("\\[(\\w+)] step (\\d+)/(\\d+) loss (\\S+) acc (\\S+) margin (\\S+) "
      + "(\\S+) pairs/s (\\S+) tok/s lr (\\S+) ETA (\\d+)m(\\d\\d)s");

  static Map<String, Double> dpoMetrics(double loss, double accuracy, double margin, double pairsPerSecond) {
    return Map.of("loss", loss, "rewards/accuracies", accuracy, "rewards/margins", margin,
        "pairs_per_second", pairsPerSecond, "tokens_per_second", pairsPerSecond * 300, "learning_rate", 5e-6);
  }

  static List<String> lines(ConsoleProgress progress, ByteArrayOutputStream bytes, List<StepRecord> records) {
    for (StepRecord r : records) {
      progress.onStep(r, null);
    }
    return List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
  }

  @Test
  void dpoLineHoldsStepLossAccuracyThroughputAndEta() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "align");
    List<String> lines = lines(progress, bytes, List.of(
        new StepRecord(0, 10, dpoMetrics(0.6931, 0.5, 0.0, 8.0), 2.0),
        new StepRecord(1, 10, dpoMetrics(0.61234, 0.875, 0.04567, 4.25), 4.0)));
    assertEquals(2, lines.size(), String.join("\n", lines));

    Matcher first = DPO_LINE.matcher(lines.get(0));
    assertTrue(first.matches(), lines.get(0));
    // 2 s a step so far, 9 steps left
    assertEquals(18, etaSeconds(first));

    Matcher m = DPO_LINE.matcher(lines.get(1));
    assertTrue(m.matches(), lines.get(1));
    assertEquals("align", m.group(1));
    assertEquals(2, Integer.parseInt(m.group(2)), "1-based step");
    assertEquals(10, Integer.parseInt(m.group(3)));
    assertEquals(0.6123, Double.parseDouble(m.group(4)), 1e-9, "loss to 4 places");
    assertEquals(0.875, Double.parseDouble(m.group(5)), 1e-9);
    assertEquals(0.0457, Double.parseDouble(m.group(6)), 1e-9, "margin to 4 places");
    assertEquals(4.3, Double.parseDouble(m.group(7)), 1e-9, "pairs/s to 1 place (4.25 rounds half up)");
    assertEquals(1275, Double.parseDouble(m.group(8)), 1e-9);
    assertEquals(5e-6, Double.parseDouble(m.group(9)), 1e-12);
    // the mean step time of this run (3 s) times the 8 steps left
    assertEquals(24, etaSeconds(m));
  }

  @Test
  void aResumedRunEstimatesFromItsOwnStepsAndTheStepsLeft() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "align");
    // resumed at step 600 of 1000, 12.5 s a step: 399 steps left, 4987.5 s, shown in hours and minutes
    List<String> lines = lines(progress, bytes, List.of(new StepRecord(600, 1000, dpoMetrics(0.3, 1, 2, 1), 12.5)));
    Matcher hours = Pattern.compile(".* step 601/1000 .* ETA (\\d+)h(\\d\\d)m").matcher(lines.get(0));
    assertTrue(hours.matches(), lines.get(0));
    assertEquals(4987.5 / 60, Integer.parseInt(hours.group(1)) * 60 + Integer.parseInt(hours.group(2)), 1.0);
    assertEquals("1h23m", hours.group(1) + "h" + hours.group(2) + "m");
  }

  @Test
  void sftLineHasNoAccuracyButTokensPerSecond() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "finetune");
    List<String> lines = lines(progress, bytes, List.of(new StepRecord(4, 5,
        Map.of("loss", 2.5, "tokens_per_second", 1234.6, "learning_rate", 2e-4), 1.0)));
    Matcher m = Pattern.compile("\\[finetune] step 5/5 loss (\\S+) (\\d+) tok/s lr (\\S+) ETA 0m00s").matcher(lines.get(0));
    assertTrue(m.matches(), lines.get(0));
    assertEquals(2.5, Double.parseDouble(m.group(1)));
    assertEquals(1235, Integer.parseInt(m.group(2)));
    assertEquals(2e-4, Double.parseDouble(m.group(3)), 1e-12);
  }

  static int etaSeconds(Matcher m) {
    return Integer.parseInt(m.group(10)) * 60 + Integer.parseInt(m.group(11));
  }
}
