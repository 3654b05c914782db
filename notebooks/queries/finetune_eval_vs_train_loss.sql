-- SFT (finetune phase): held-out eval loss against training loss, one row per evaluation.
-- The held-out split is scored every finetune.eval_every updates and after the last one; its eval_loss is
-- recorded on the step after which it was scored (completed_steps = step + 1). train_loss is that step's
-- training loss; train_loss_mean averages the training loss over the steps since the previous evaluation,
-- so both numbers cover the same stretch of training. A generalization_gap (eval - train) that keeps
-- growing means overfitting. is_best marks the lowest eval_loss here: the weights that early stopping
-- (finetune.patience) keeps, unless the initial weights, scored before step 0 and without a step row,
-- were lower still (the run manifest's finetune.best_step is then 0).
WITH per_step AS (
  SELECT
    run_date,
    run_id,
    step,
    MAX(CASE WHEN metric = 'loss' THEN value END) AS train_loss,
    MAX(CASE WHEN metric = 'eval_loss' THEN value END) AS eval_loss
  FROM train_metrics
  WHERE phase = 'finetune'
  GROUP BY run_date, run_id, step
),
windows AS (
  SELECT
    *,
    COUNT(eval_loss) OVER (
      PARTITION BY run_date, run_id ORDER BY step ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eval_window
  FROM per_step
),
evaluations AS (
  SELECT
    run_date,
    run_id,
    MAX(step) AS step,
    MAX_BY(train_loss, step) AS train_loss,
    AVG(train_loss) AS train_loss_mean,
    COUNT(*) AS steps_averaged,
    MAX(eval_loss) AS eval_loss
  FROM windows
  GROUP BY run_date, run_id, eval_window
  HAVING COUNT(eval_loss) = 1
)
SELECT
  run_date,
  run_id,
  step,
  step + 1 AS completed_steps,
  train_loss,
  train_loss_mean,
  steps_averaged,
  eval_loss,
  eval_loss - train_loss_mean AS generalization_gap,
  ROW_NUMBER() OVER (PARTITION BY run_date, run_id ORDER BY eval_loss, step) = 1 AS is_best
FROM evaluations
ORDER BY run_date, run_id, step
