# Shared by the spark-submit wrappers in this folder (sourced, not run). It parses the wrapper's arguments,
# finds the shaded jar and builds the spark-submit settings every cluster manager needs. Nothing here names a
# host or a credential: each wrapper reads those from environment variables.
#
# Arguments, in either form:
#   WRAPPER CONFIG.yaml [OPTIONS...]               runs `aligntune run --config CONFIG.yaml OPTIONS...`
#   WRAPPER COMMAND --config CONFIG.yaml [OPTIONS...]   any CLI command, e.g. `run`, `align`
# OPTIONS go to the AlignTune command as they are, e.g. --run-date 2026-12-03.
#
# Environment common to all wrappers:
#   SPARK_SUBMIT      spark-submit to use (default: $SPARK_HOME/bin/spark-submit, else spark-submit on PATH)
#   ALIGNTUNE_JAR     the application jar (default: modules/cli/target/aligntune.jar, built by `mvn package`)
#   EXTRA_SUBMIT_ARGS more spark-submit arguments, word-split, placed last so they override the defaults
#   DRIVER_JAVA_OPTS, EXECUTOR_JAVA_OPTS  extra JVM options (added after -Dai.djl.offline=true)
#   DRY_RUN=1         print the spark-submit command instead of running it

# shellcheck shell=bash

ALIGNTUNE_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN_CLASS=io.aligntune.cli.Main

die() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

usage() {
  cat >&2 <<USAGE
usage: $(basename "$0") CONFIG.yaml [ALIGNTUNE OPTIONS...]
       $(basename "$0") COMMAND --config CONFIG.yaml [ALIGNTUNE OPTIONS...]
e.g.   $(basename "$0") conf/nightly-refresh.yaml --run-date 2026-12-03
USAGE
  exit 2
}

# Sets COMMAND (default run), CONFIG (the YAML file) and OPTIONS (the rest, in order).
parse_args() {
  COMMAND=run
  CONFIG=""
  OPTIONS=()
  [[ $# -gt 0 ]] || usage
  case "$1" in
    -h|--help) usage ;;
    -*|*.yaml|*.yml) ;;
    *) COMMAND="$1"; shift ;;
  esac
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --config)
        [[ $# -ge 2 ]] || die "--config needs a file"
        CONFIG="$2"; shift 2 ;;
      --config=*)
        CONFIG="${1#--config=}"; shift ;;
      *.yaml|*.yml)
        if [[ -z "$CONFIG" ]]; then CONFIG="$1"; else OPTIONS+=("$1"); fi
        shift ;;
      *)
        OPTIONS+=("$1"); shift ;;
    esac
  done
  [[ -n "$CONFIG" ]] || usage
  [[ -f "$CONFIG" ]] || die "config file '$CONFIG' not found"
}

# Fails with a message naming the variable when a required placeholder is unset.
require_env() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "set $name (see deploy/README.md)"
  done
}

# Sets SUBMIT (the spark-submit executable) and JAR; checks a local jar exists.
find_submit_and_jar() {
  if [[ -n "${SPARK_SUBMIT:-}" ]]; then
    SUBMIT="$SPARK_SUBMIT"
  elif [[ -n "${SPARK_HOME:-}" ]]; then
    SUBMIT="$SPARK_HOME/bin/spark-submit"
  else
    SUBMIT=spark-submit
  fi
  JAR="${ALIGNTUNE_JAR:-$ALIGNTUNE_HOME/modules/cli/target/aligntune.jar}"
  case "$JAR" in
    *://*) ;;  # local:///..., hdfs://..., s3a://...: already where the cluster reads it
    *) [[ -f "$JAR" ]] || die "$JAR not found: build it with 'mvn -B -DskipTests package' (or set ALIGNTUNE_JAR)" ;;
  esac
}

# Settings every wrapper passes. One training task per executor at a time (DJL holds one gradient
# collector per JVM): spark.task.cpus equals the executor's cores. DJL never downloads on the cluster.
common_conf() {
  local cores="$1"
  COMMON_CONF=(
    --conf "spark.executor.cores=$cores"
    --conf "spark.task.cpus=$cores"
    --conf spark.dynamicAllocation.enabled=false
    --conf spark.locality.wait=0s
    --conf "spark.driver.extraJavaOptions=-Dai.djl.offline=true${DRIVER_JAVA_OPTS:+ $DRIVER_JAVA_OPTS}"
    --conf "spark.executor.extraJavaOptions=-Dai.djl.offline=true${EXECUTOR_JAVA_OPTS:+ $EXECUTOR_JAVA_OPTS}"
  )
}

# Runs (or, with DRY_RUN=1, prints) spark-submit with the given settings, then the jar and the command.
# $CONFIG_ARG is the config path as the driver will see it.
submit() {
  local extra=()
  if [[ -n "${EXTRA_SUBMIT_ARGS:-}" ]]; then
    read -r -a extra <<<"$EXTRA_SUBMIT_ARGS"
  fi
  local cmd=("$SUBMIT" "$@" "${extra[@]}" --class "$MAIN_CLASS" "$JAR" "$COMMAND" --config "$CONFIG_ARG" "${OPTIONS[@]}")
  if [[ "${DRY_RUN:-0}" == 1 ]]; then
    printf '%q ' "${cmd[@]}"
    echo
  else
    exec "${cmd[@]}"
  fi
}
