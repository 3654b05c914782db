-- The DPO (align phase) training curve: one row per run and optimizer step (step 0 is the first update).
-- Metric names follow TRL:
--   loss                starts at ln 2 = 0.693 (policy = reference before the first update) and should fall;
--   rewards/margins     beta * mean(chosen log-ratio - rejected log-ratio) over the step's pairs: should rise;
--   rewards/accuracies  share of pairs whose chosen reward beats the rejected one: should approach 1;
--   rewards/chosen and rewards/rejected  both may fall; what matters is the margin between them.
-- reward_margin_avg5 smooths the margin over the last 5 steps (fewer at the start).
WITH per_step AS (
  SELECT
    run_date,
    run_id,
    step,
    MAX(total_steps) AS total_steps,
    MAX(CASE WHEN metric = 'loss' THEN value END) AS loss,
    MAX(CASE WHEN metric = 'rewards/margins' THEN value END) AS reward_margin,
    MAX(CASE WHEN metric = 'rewards/accuracies' THEN value END) AS reward_accuracy,
    MAX(CASE WHEN metric = 'rewards/chosen' THEN value END) AS reward_chosen,
    MAX(CASE WHEN metric = 'rewards/rejected' THEN value END) AS reward_rejected,
    MAX(CASE WHEN metric = 'learning_rate' THEN value END) AS learning_rate,
    MAX(step_seconds) AS step_seconds
  FROM train_metrics
  WHERE phase = 'align'
  GROUP BY run_date, run_id, step
)
SELECT
  run_date,
  run_id,
  step,
  total_steps,
  loss,
  reward_margin,
  reward_accuracy,
  reward_chosen,
  reward_rejected,
  learning_rate,
  step_seconds,
  AVG(reward_margin) OVER (
    PARTITION BY run_date, run_id ORDER BY step ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS reward_margin_avg5
FROM per_step
ORDER BY run_date, run_id, step
