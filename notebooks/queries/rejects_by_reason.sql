-- Quarantined records by reason. Every input record that fails validation is written to rejects with its
-- file, line, field and reason and counted in the run's data report: never dropped silently.
-- stage says where: 'parse' (the record itself is malformed or incomplete) or 'tokenize' (it became
-- unusable once tokenized and truncated, e.g. no completion token left). An empty result means nothing
-- was rejected. example is the first rejected record of that reason, to open and fix.
SELECT
  run_date,
  run_id,
  phase,
  stage,
  reason,
  COUNT(*) AS rejects,
  COUNT(DISTINCT source_file) AS files,
  MIN_BY(CONCAT(source_file, ':', CAST(line AS STRING), ' [', field, '] ', detail), STRUCT(source_file, line))
    AS example
FROM rejects
GROUP BY run_date, run_id, phase, stage, reason
ORDER BY run_date, run_id, phase, rejects DESC, reason
