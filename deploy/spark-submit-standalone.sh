#!/usr/bin/env bash
# Submits an AlignTune command to a Spark standalone cluster. The driver runs here (client deploy mode: a
# standalone cluster cannot ship a local config file to a driver it launches), so keep this process alive
# until the run ends; its exit code is the run's (0 promoted, 3 a gate refused promotion, 1 error).
#
#   deploy/spark-submit-standalone.sh conf/quickstart.yaml
#   deploy/spark-submit-standalone.sh run --config conf/nightly-refresh.yaml --run-date 2026-12-03
#
# Environment (placeholders only; defaults in brackets):
#   SPARK_MASTER_URL   required: spark://<master-host>:7077
#   DRIVER_HOST        an address of this machine the workers reach (default: Spark's choice)
#   TOTAL_EXECUTOR_CORES [16]   EXECUTOR_CORES [4]: executors = total / cores, one task at a time each
#   EXECUTOR_MEMORY [16g]   DRIVER_MEMORY [8g]
#   EXECUTOR_GPUS [0]   1 = one GPU per executor: workers must offer GPUs (SPARK_WORKER_OPTS with
#     spark.worker.resource.gpu.amount and spark.worker.resource.gpu.discoveryScript); see deploy/README.md
#     for the CUDA libtorch DJL needs (PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR passed when set)
#   plus SPARK_SUBMIT, ALIGNTUNE_JAR, EXTRA_SUBMIT_ARGS, DRY_RUN (deploy/common.sh)
# Paths in the config must be readable by every worker: a shared file system, hdfs:// or s3a://.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args "$@"
find_submit_and_jar
require_env SPARK_MASTER_URL

EXECUTOR_CORES="${EXECUTOR_CORES:-4}"
EXECUTOR_GPUS="${EXECUTOR_GPUS:-0}"
common_conf "$EXECUTOR_CORES"

args=(
  --master "$SPARK_MASTER_URL"
  --deploy-mode client
  --name "aligntune-$COMMAND-$(basename "$CONFIG" .yaml)"
  --total-executor-cores "${TOTAL_EXECUTOR_CORES:-16}"
  --executor-memory "${EXECUTOR_MEMORY:-16g}"
  --driver-memory "${DRIVER_MEMORY:-8g}"
  "${COMMON_CONF[@]}"
)
if [[ -n "${DRIVER_HOST:-}" ]]; then
  args+=(--conf "spark.driver.host=$DRIVER_HOST")
fi
if [[ "$EXECUTOR_GPUS" != 0 ]]; then
  [[ "$EXECUTOR_GPUS" == 1 ]] || die "EXECUTOR_GPUS must be 0 or 1: one training task, on one GPU, per executor"
  args+=(--conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1)
fi
for var in PYTORCH_LIBRARY_PATH PYTORCH_VERSION PYTORCH_FLAVOR; do
  if [[ -n "${!var:-}" ]]; then
    args+=(--conf "spark.executorEnv.$var=${!var}")
  fi
done

CONFIG_ARG="$CONFIG"
submit "${args[@]}"
