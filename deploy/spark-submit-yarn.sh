#!/usr/bin/env bash
# Submits an AlignTune command to a YARN cluster. The driver runs inside YARN (cluster deploy mode), so the
# submitting machine can go away; the config is shipped with --files and read from the driver container's
# working directory. Paths inside the config must be cluster paths (hdfs://, s3a://, ...).
#
#   deploy/spark-submit-yarn.sh conf/nightly-refresh.yaml --run-date 2026-12-03
#   deploy/spark-submit-yarn.sh align --config conf/align.yaml
#
# Environment (defaults in brackets; nothing here names a host: HADOOP_CONF_DIR or YARN_CONF_DIR locates the
# cluster, as for any spark-submit to YARN):
#   HADOOP_CONF_DIR / YARN_CONF_DIR  required by spark-submit --master yarn
#   YARN_QUEUE [default]   NUM_EXECUTORS [4]   EXECUTOR_CORES [4]   EXECUTOR_MEMORY [16g]
#   EXECUTOR_MEMORY_OVERHEAD [6g] (libtorch allocates outside the JVM heap)   DRIVER_MEMORY [8g]
#   DEPLOY_MODE [cluster]  (client: the driver runs here and reads the config from its own path)
#   EXECUTOR_GPUS [0]      1 = one GPU per executor (YARN 3.1+ with GPU scheduling): requests yarn.io/gpu and
#                          ships GPU_DISCOVERY_SCRIPT [$SPARK_HOME/examples/src/main/scripts/getGpusResources.sh];
#                          see deploy/README.md for the CUDA build of libtorch that DJL needs then
#   PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR   passed to the executors when set
#   plus SPARK_SUBMIT, ALIGNTUNE_JAR, EXTRA_SUBMIT_ARGS, DRY_RUN (deploy/common.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args "$@"
find_submit_and_jar
if [[ "${DRY_RUN:-0}" != 1 && -z "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ]]; then
  die "set HADOOP_CONF_DIR or YARN_CONF_DIR to the cluster's client configuration"
fi

DEPLOY_MODE="${DEPLOY_MODE:-cluster}"
EXECUTOR_CORES="${EXECUTOR_CORES:-4}"
EXECUTOR_GPUS="${EXECUTOR_GPUS:-0}"
common_conf "$EXECUTOR_CORES"

args=(
  --master yarn
  --deploy-mode "$DEPLOY_MODE"
  --name "aligntune-$COMMAND-$(basename "$CONFIG" .yaml)"
  --queue "${YARN_QUEUE:-default}"
  --num-executors "${NUM_EXECUTORS:-4}"
  --executor-memory "${EXECUTOR_MEMORY:-16g}"
  --driver-memory "${DRIVER_MEMORY:-8g}"
  --conf "spark.executor.memoryOverhead=${EXECUTOR_MEMORY_OVERHEAD:-6g}"
  "${COMMON_CONF[@]}"
)

files=()
if [[ "$DEPLOY_MODE" == cluster ]]; then
  files+=("$CONFIG")
  CONFIG_ARG="$(basename "$CONFIG")"
else
  CONFIG_ARG="$CONFIG"
fi

if [[ "$EXECUTOR_GPUS" != 0 ]]; then
  [[ "$EXECUTOR_GPUS" == 1 ]] || die "EXECUTOR_GPUS must be 0 or 1: one training task, on one GPU, per executor"
  discovery="${GPU_DISCOVERY_SCRIPT:-${SPARK_HOME:-/opt/spark}/examples/src/main/scripts/getGpusResources.sh}"
  [[ "${DRY_RUN:-0}" == 1 || -f "$discovery" ]] || die "GPU discovery script '$discovery' not found (set GPU_DISCOVERY_SCRIPT)"
  files+=("$discovery")
  args+=(
    --conf spark.executor.resource.gpu.amount=1
    --conf spark.task.resource.gpu.amount=1
    --conf "spark.executor.resource.gpu.discoveryScript=./$(basename "$discovery")"
  )
fi

for var in PYTORCH_LIBRARY_PATH PYTORCH_VERSION PYTORCH_FLAVOR; do
  if [[ -n "${!var:-}" ]]; then
    args+=(--conf "spark.executorEnv.$var=${!var}")
  fi
done

if [[ ${#files[@]} -gt 0 ]]; then
  args+=(--files "$(IFS=,; echo "${files[*]}")")
fi

submit "${args[@]}"
