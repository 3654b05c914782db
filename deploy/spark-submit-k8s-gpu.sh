#!/usr/bin/env bash
# Submits an AlignTune command to Kubernetes with one NVIDIA GPU per executor.
#
#   deploy/spark-submit-k8s-gpu.sh conf/llama3-8b-lora-gpu.yaml
#   deploy/spark-submit-k8s-gpu.sh run --config conf/nightly-refresh.yaml --run-date 2026-12-03
#
# GPUs: each executor asks Kubernetes for one nvidia.com/gpu (spark.executor.resource.gpu.amount=1) and each
# task for that whole GPU (spark.task.resource.gpu.amount=1); the discovery script reports the GPU's index
# and the executor binds to it from TaskContext.resources(). Executor cores = task cpus, so one task runs at
# a time per executor, i.e. per GPU (DJL allows one gradient collector per JVM).
#
# CUDA: the shaded jar carries DJL's CPU libtorch (pytorch-native-cpu). With it the executors would compute
# on the CPU. Give them the CUDA flavour instead, either
#   - in the image: a libtorch 2.7.1 CUDA 12.8 build unpacked at e.g. /opt/libtorch, with
#     PYTORCH_LIBRARY_PATH=/opt/libtorch/lib PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cu128 (passed on below), or
#   - in the jar: DJL's pytorch-native-cu12x artifact (cu128 for PyTorch 2.7.1, the JNI flavour that
#     pytorch-jni 2.7.1-0.36.0 ships) in place of pytorch-native-cpu, in a GPU build of the jar.
# DJL runs offline on the cluster (-Dai.djl.offline=true): it never downloads a native library there.
#
# Environment (placeholders only; defaults in brackets):
#   K8S_MASTER        required: k8s://https://<api-server>:<port>
#   ALIGNTUNE_IMAGE   required: an image with Spark 4, Java 17, CUDA 12 user libraries (and /opt/libtorch)
#   K8S_NAMESPACE [aligntune]   K8S_SERVICE_ACCOUNT [aligntune] (may create and delete executor pods)
#   DEPLOY_MODE [cluster]: the driver runs in a pod; the config (and the jar, unless ALIGNTUNE_JAR is
#     local:///... inside the image) is uploaded to SPARK_UPLOAD_PATH (required then:
#     s3a://<bucket>/spark-upload, hdfs://...) and lands in the driver's working directory.
#     client: this process is the driver (e.g. inside the CronJob's pod); set DRIVER_HOST to an address
#     executors reach (the pod IP) and DRIVER_POD_NAME so executor pods are cleaned up with it.
#   NUM_EXECUTORS [4]   EXECUTOR_CORES [8]   EXECUTOR_MEMORY [48g]   EXECUTOR_MEMORY_OVERHEAD [16g]
#   DRIVER_MEMORY [16g]   DRIVER_CORES [4]
#   GPU_DISCOVERY_SCRIPT [/opt/spark/examples/src/main/scripts/getGpusResources.sh], a path in the image
#   GPU_NODE_SELECTOR    optional key=value for the executors' nodes, e.g. nvidia.com/gpu.present=true
#   PYTORCH_LIBRARY_PATH [/opt/libtorch/lib]  PYTORCH_VERSION [2.7.1]  PYTORCH_FLAVOR [cu128]
#     set PYTORCH_LIBRARY_PATH=none when the jar already carries pytorch-native-cu12x
#   plus SPARK_SUBMIT, ALIGNTUNE_JAR, EXTRA_SUBMIT_ARGS, DRY_RUN (deploy/common.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args "$@"
find_submit_and_jar
require_env K8S_MASTER ALIGNTUNE_IMAGE

DEPLOY_MODE="${DEPLOY_MODE:-cluster}"
EXECUTOR_CORES="${EXECUTOR_CORES:-8}"
NAMESPACE="${K8S_NAMESPACE:-aligntune}"
common_conf "$EXECUTOR_CORES"

args=(
  --master "$K8S_MASTER"
  --deploy-mode "$DEPLOY_MODE"
  --name "aligntune-$COMMAND"
  --conf "spark.kubernetes.namespace=$NAMESPACE"
  --conf "spark.kubernetes.container.image=$ALIGNTUNE_IMAGE"
  --conf "spark.kubernetes.authenticate.driver.serviceAccountName=${K8S_SERVICE_ACCOUNT:-aligntune}"
  --conf "spark.executor.instances=${NUM_EXECUTORS:-4}"
  --conf "spark.executor.memory=${EXECUTOR_MEMORY:-48g}"
  --conf "spark.executor.memoryOverhead=${EXECUTOR_MEMORY_OVERHEAD:-16g}"
  --conf "spark.driver.memory=${DRIVER_MEMORY:-16g}"
  --conf "spark.driver.cores=${DRIVER_CORES:-4}"
  "${COMMON_CONF[@]}"
  # one GPU per executor, the whole GPU per task: one training task per GPU at a time
  --conf spark.executor.resource.gpu.amount=1
  --conf spark.executor.resource.gpu.vendor=nvidia.com
  --conf "spark.executor.resource.gpu.discoveryScript=${GPU_DISCOVERY_SCRIPT:-/opt/spark/examples/src/main/scripts/getGpusResources.sh}"
  --conf spark.task.resource.gpu.amount=1
)

if [[ -n "${GPU_NODE_SELECTOR:-}" ]]; then
  [[ "$GPU_NODE_SELECTOR" == *=* ]] || die "GPU_NODE_SELECTOR must be key=value"
  args+=(--conf "spark.kubernetes.executor.node.selector.${GPU_NODE_SELECTOR%%=*}=${GPU_NODE_SELECTOR#*=}")
fi

# the CUDA libtorch of the image (executors only: the driver averages gradients on its CPU)
if [[ "${PYTORCH_LIBRARY_PATH:-}" != none ]]; then
  args+=(
    --conf "spark.executorEnv.PYTORCH_LIBRARY_PATH=${PYTORCH_LIBRARY_PATH:-/opt/libtorch/lib}"
    --conf "spark.executorEnv.PYTORCH_VERSION=${PYTORCH_VERSION:-2.7.1}"
    --conf "spark.executorEnv.PYTORCH_FLAVOR=${PYTORCH_FLAVOR:-cu128}"
  )
fi

if [[ "$DEPLOY_MODE" == cluster ]]; then
  require_env SPARK_UPLOAD_PATH  # the config (and a local jar) travel to the driver pod through it
  args+=(--conf "spark.kubernetes.file.upload.path=$SPARK_UPLOAD_PATH" --files "$CONFIG")
  CONFIG_ARG="$(basename "$CONFIG")"  # Spark 3.4+ places --files in the driver pod's working directory
else
  require_env DRIVER_HOST
  args+=(--conf "spark.driver.host=$DRIVER_HOST" --conf spark.driver.bindAddress=0.0.0.0)
  if [[ -n "${DRIVER_POD_NAME:-}" ]]; then
    args+=(--conf "spark.kubernetes.driver.pod.name=$DRIVER_POD_NAME")
  fi
  CONFIG_ARG="$CONFIG"
fi

submit "${args[@]}"
