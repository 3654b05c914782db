-- Pass rate of every evaluated model, per run and prompt category, with its 95% Wilson score interval.
-- phase is the evaluation step (evaluate_base, evaluate_aligned, evaluate_final) and model its label
-- (base, aligned, final). Category 'ALL' is the model's overall row: the number the gates compare.
-- The suites are small, so read the interval, not the point: two models whose intervals overlap widely
-- are not shown to differ. points_vs_base is the change against the base model of the same run and
-- category, in percentage points (the unit of gates.max_drop_points).
SELECT
  run_date,
  run_id,
  phase,
  model,
  category,
  n,
  passes,
  pass_rate,
  wilson_low,
  wilson_high,
  wilson_high - wilson_low AS interval_width,
  100 * (pass_rate - MAX(CASE WHEN model = 'base' THEN pass_rate END)
    OVER (PARTITION BY run_date, run_id, category)) AS points_vs_base
FROM eval_summary
ORDER BY
  run_date,
  run_id,
  CASE model WHEN 'base' THEN 0 WHEN 'aligned' THEN 1 WHEN 'final' THEN 2 ELSE 3 END,
  phase,
  CASE WHEN category = 'ALL' THEN 0 ELSE 1 END,
  category
