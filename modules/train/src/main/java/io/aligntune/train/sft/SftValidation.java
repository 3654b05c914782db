package io.aligntune.train.sft;

import io.aligntune.core.tensor.HostTensor;
import io.aligntune.train.loop.StepListener;
import io.aligntune.train.loop.StepRecord;
import io.aligntune.train.loop.TrainingState;
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
 */
public final class SftValidation implements StepListener {

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
}
