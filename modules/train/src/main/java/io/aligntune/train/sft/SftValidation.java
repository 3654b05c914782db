package io.aligntune.train.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.SafetensorsDtype;
import io.aligntune.model.io.SafetensorsReader;
import io.aligntune.model.io.SafetensorsWriter;
import io.aligntune.train.checkpoint.CheckpointPart;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Held-out evaluation during SFT: every {@code evalEvery} updates (and after the last) the mean token NLL of
 * the evaluation set ({@code eval_loss}, as TRL names it), early stopping when it has not improved for
 * {@code patience} evaluations, and the best weights kept so they can be restored at the end (Hugging
 * Face's {@code load_best_model_at_end}).
 *
 * <p>The best weights are a host copy of the trainable weights: megabytes for LoRA adapters. The
 * optimizer's moments are not rolled back with them, so a state whose weights were restored is for export,
 * not for resuming.
 *
 * <p>The driver loop has no stop hook; {@link SftTrainer} runs it in segments that end at evaluation steps
 * and consults {@link #stopRequested()} between them.
 *
 * <p>Resuming: as a {@link CheckpointPart} it saves its whole state (every evaluation, the best one and its
 * weights, the patience count) into each checkpoint, and {@link #restoreFrom} puts it back, so a run resumed
 * from a checkpoint stops, and restores, exactly where the uninterrupted run would have.
 */
public final class SftValidation implements StepListener, CheckpointPart {

  /** The early-stopping state inside a checkpoint folder. */
  public static final String STATE_FILE = "validation.json";
  /** The best evaluation's weights inside a checkpoint folder (float32, so they come back bit for bit). */
  public static final String BEST_WEIGHTS_FILE = "validation_best.safetensors";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param evalEvery evaluate after every this many updates (and after the last one); > 0
   * @param patience stop after this many evaluations in a row without improvement; 0 = never stop early
   * @param minDelta an evaluation improves on the best only if lower by more than this; ≥ 0
   * @param evaluateAtStart also evaluate the initial weights (a baseline the run has to beat)
   * @param restoreBest at the end of the run, put the best evaluation's weights back into the state
   */
  public record Settings(long evalEvery, int patience, double minDelta, boolean evaluateAtStart,
      boolean restoreBest) {
    public Settings {
      if (evalEvery <= 0) {
        throw new IllegalArgumentException("eval_steps must be positive, got " + evalEvery);
      }
      if (patience < 0) {
        throw new IllegalArgumentException("early_stopping_patience must be >= 0 (0 disables it), got " + patience);
      }
      if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
        throw new IllegalArgumentException("early_stopping_threshold must be finite and >= 0, got " + minDelta);
      }
    }
  }

  /**
   * One evaluation.
   *
   * @param completedSteps updates applied before it (0 = the initial weights)
   * @param loss mean NLL per supervised token of the evaluation set
   * @param tokens supervised tokens scored
   */
  public record Evaluation(long completedSteps, double loss, long tokens) {}

  private final EvalLoss evalLoss;
  private final Settings settings;
  private final List<Evaluation> evaluations = new ArrayList<>();
  private Evaluation best;
  private Map<String, HostTensor> bestWeights;
  private int withoutImprovement;

  public SftValidation(EvalLoss evalLoss, Settings settings) {
    this.evalLoss = evalLoss;
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public void onStep(StepRecord record, TrainingState state) {
    if (isDue(state.completedSteps(), record.totalSteps())) {
      evaluate(state);
    }
  }

  /** Whether an evaluation follows the update that brought the run to {@code completedSteps}. */
  public boolean isDue(long completedSteps, long totalSteps) {
    return completedSteps % settings.evalEvery() == 0 || completedSteps == totalSteps;
  }

  /** Evaluates the state's current weights now, and updates the best and the patience count. */
  public Evaluation evaluate(TrainingState state) {
    TokenNll nll = evalLoss.evaluate(state.weights());
    double loss = nll.mean();
    if (!Double.isFinite(loss)) {
      throw new IllegalStateException("eval_loss after " + state.completedSteps() + " steps is " + loss);
    }
    Evaluation evaluation = new Evaluation(state.completedSteps(), loss, nll.tokens());
    evaluations.add(evaluation);
    if (best == null || loss < best.loss() - settings.minDelta()) {
      best = evaluation;
      bestWeights = copy(state.weights());
      withoutImprovement = 0;
    } else {
      withoutImprovement++;
    }
    return evaluation;
  }

  /** True once {@code patience} evaluations in a row have not improved on the best. */
  public boolean stopRequested() {
    return settings.patience() > 0 && withoutImprovement >= settings.patience();
  }

  /** Every evaluation so far, in order. */
  public List<Evaluation> evaluations() {
    return Collections.unmodifiableList(evaluations);
  }

  /** The latest evaluation, if it was made after exactly {@code completedSteps} updates. */
  public Optional<Evaluation> evaluationAt(long completedSteps) {
    if (evaluations.isEmpty()) {
      return Optional.empty();
    }
    Evaluation last = evaluations.get(evaluations.size() - 1);
    return last.completedSteps() == completedSteps ? Optional.of(last) : Optional.empty();
  }

  public Optional<Evaluation> best() {
    return Optional.ofNullable(best);
  }

  /**
   * Overwrites the state's trainable weights, in place, with the best evaluation's.
   *
   * @return false when there was nothing to restore (no evaluation yet)
   */
  public boolean restoreBest(TrainingState state) {
    if (bestWeights == null) {
      return false;
    }
    Map<String, HostTensor> weights = state.weights();
    if (!weights.keySet().equals(bestWeights.keySet())) {
      throw new IllegalStateException("cannot restore the best weights: the state holds " + weights.keySet()
          + " but the best evaluation saw " + bestWeights.keySet());
    }
    bestWeights.forEach((name, saved) -> {
      float[] target = weights.get(name).data();
      System.arraycopy(saved.data(), 0, target, 0, target.length);
    });
    return true;
  }

  private static Map<String, HostTensor> copy(Map<String, HostTensor> weights) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    weights.forEach((name, t) -> out.put(name, t.copy()));
    return out;
  }

  /** Saves every evaluation, the best one, its weights and the patience count into a checkpoint folder. */
  @Override
  public void writeTo(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format_version", 1);
    ObjectNode s = root.putObject("settings");
    s.put("eval_every", settings.evalEvery());
    s.put("patience", settings.patience());
    s.put("min_delta", settings.minDelta());
    s.put("evaluate_at_start", settings.evaluateAtStart());
    s.put("restore_best", settings.restoreBest());
    ArrayNode list = root.putArray("evaluations");
    for (Evaluation e : evaluations) {
      list.addObject().put("completed_steps", e.completedSteps()).put("loss", e.loss()).put("tokens", e.tokens());
    }
    if (best == null) {
      root.putNull("best");
    } else {
      root.put("best", evaluations.indexOf(best));
    }
    root.put("without_improvement", withoutImprovement);
    if (bestWeights != null) {
      SafetensorsWriter.write(dir.resolve(BEST_WEIGHTS_FILE), bestWeights, SafetensorsDtype.F32);
    }
    Files.writeString(dir.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  /**
   * Puts back the state {@link #writeTo} saved in a checkpoint of {@code completedSteps} updates. Refuses a
   * folder without it, one saved under other settings, and one whose numbers do not add up (the patience
   * count and the best are re-derived from the evaluations and must agree with what was saved).
   *
   * @throws IllegalStateException when this validation has already evaluated, or the settings differ
   * @throws IOException when the state is missing, unreadable or inconsistent
   */
  public void restoreFrom(Path dir, long completedSteps) throws IOException {
    if (!evaluations.isEmpty()) {
      throw new IllegalStateException("restoreFrom must come before any evaluation; this validation already made "
          + evaluations.size());
    }
    Path file = dir.resolve(STATE_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(dir + ": the checkpoint holds no " + STATE_FILE + " (it was written without the"
          + " early-stopping state), so the run cannot resume with the same evaluations and patience");
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": unreadable early-stopping state: " + e.getMessage(), e);
    }
    JsonNode s = root.path("settings");
    Settings saved = new Settings(s.path("eval_every").asLong(), s.path("patience").asInt(),
        s.path("min_delta").asDouble(), s.path("evaluate_at_start").asBoolean(), s.path("restore_best").asBoolean());
    if (!saved.equals(settings)) {
      throw new IllegalStateException(file + ": saved with validation settings " + saved + " but this run has "
          + settings);
    }
    List<Evaluation> restored = new ArrayList<>();
    for (JsonNode e : root.path("evaluations")) {
      Evaluation evaluation = new Evaluation(e.path("completed_steps").asLong(), e.path("loss").asDouble(),
          e.path("tokens").asLong());
      if (evaluation.completedSteps() > completedSteps) {
        throw new IOException(file + ": holds an evaluation after " + evaluation.completedSteps()
            + " steps in a checkpoint of step " + completedSteps);
      }
      restored.add(evaluation);
    }
    // re-derive best and patience from the evaluations with this run's rule; the file must agree
    int bestIndex = -1;
    int count = 0;
    for (int i = 0; i < restored.size(); i++) {
      if (bestIndex < 0 || restored.get(i).loss() < restored.get(bestIndex).loss() - settings.minDelta()) {
        bestIndex = i;
        count = 0;
      } else {
        count++;
      }
    }
    int savedBest = root.path("best").isNull() || root.path("best").isMissingNode() ? -1 : root.path("best").asInt();
    if (savedBest != bestIndex || root.path("without_improvement").asInt(-1) != count) {
      throw new IOException(file + ": inconsistent early-stopping state: saved best #" + savedBest + " and "
          + root.path("without_improvement") + " evaluations without improvement, but its evaluations give best #"
          + bestIndex + " and " + count);
    }
    Map<String, HostTensor> weights = null;
    if (bestIndex >= 0) {
      Path weightsFile = dir.resolve(BEST_WEIGHTS_FILE);
      if (!Files.isRegularFile(weightsFile)) {
        throw new IOException(dir + ": the early-stopping state has a best evaluation but no " + BEST_WEIGHTS_FILE);
      }
      weights = new LinkedHashMap<>(SafetensorsReader.readAll(weightsFile));
    }
    evaluations.addAll(restored);
    best = bestIndex < 0 ? null : restored.get(bestIndex);
    bestWeights = weights;
    withoutImprovement = count;
  }
}
