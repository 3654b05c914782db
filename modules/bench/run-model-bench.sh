#!/usr/bin/env bash
# AlignTune model throughput benchmark: DJL (LlamaModel) vs plain PyTorch, side by side, one run.
#
#   modules/bench/run-model-bench.sh            # from the repository root (or from anywhere)
#   modules/bench/run-model-bench.sh --batch 4 --steps 3 --threads 2
#
# Trains a random stories15M-shaped Llama (dim 288, 6 layers, 6 heads, vocab 32000, seq 256, tied head)
# forward+backward on random tokens with io.aligntune.bench.ModelThroughputBenchmark (DJL 0.36 on libtorch
# 2.7.1) and with modules/bench/pytorch_llama.py (Debian python3-torch 1.13 on OpenBLAS), alternating, for
# --rounds rounds, with the same batch, warmup, measured steps, loss and intra-op thread count; then prints
# a side-by-side table (medians over the measured steps of all rounds) and the tokens/s ratio.
# Options: --batch N (8) --seq N (256) --warmup N (2) --steps N (4 per round) --rounds N (2) --threads N (2)
# --no-build. Takes about 3 minutes on 2 idle cores (the build included).
# Environment (applies to both sides alike): OMP_WAIT_POLICY (PASSIVE unless set; "default" = libgomp's
# default); GLIBC_TUNABLES, MALLOC_* and the like are passed through as they are;
# BENCH_MVN_OFFLINE=0 builds without Maven's -o (fresh machine with a reachable repository).
#
# Installs what it needs when missing (root: apt-get install python3-torch libopenblas0-pthread
# python3-threadpoolctl; apt-get update only if that fails). Without libopenblas0-pthread Debian's torch runs
# on the reference BLAS, ~20x slower, and the comparison would flatter DJL: the script refuses to go on.
# Not a test: nothing here is asserted; see modules/bench/README.md for measured figures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="$ROOT/modules/bench"
PY=/usr/bin/python3 # Debian's interpreter: python3-torch is installed for it, not for a pyenv/venv python

BATCH=8 SEQ=256 WARMUP=2 STEPS=4 ROUNDS=2 THREADS=2 BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --batch) BATCH="$2"; shift 2 ;;
    --seq) SEQ="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "== $*" >&2; }

# ---- 1. PyTorch reference: Debian python3-torch on OpenBLAS ------------------------------------------------
have_torch() { [ -x "$PY" ] && "$PY" -c 'import torch' >/dev/null 2>&1; }
have_openblas() { dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'install ok installed'; }
if ! have_torch || ! have_openblas; then
  log "installing python3-torch libopenblas0-pthread (apt)"
  if [ "$(id -u)" != 0 ]; then
    echo "need root to apt-get install python3-torch libopenblas0-pthread (or install them first)" >&2; exit 1
  fi
  pkgs="python3-torch libopenblas0-pthread python3-threadpoolctl"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q $pkgs >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $pkgs >/dev/null; }
fi
have_torch || { echo "python3-torch is not importable by $PY" >&2; exit 1; }
have_openblas || { echo "libopenblas0-pthread is missing: torch would use the reference BLAS (~20x slower)" >&2; exit 1; }

# ---- 2. Java side ------------------------------------------------------------------------------------------
if [ "$BUILD" = 1 ] || [ ! -f "$BENCH/target/classpath.txt" ]; then
  log "building modules/bench (mvn package -pl modules/bench -am -DskipTests)"
  offline="-o"; [ "${BENCH_MVN_OFFLINE:-1}" = 0 ] && offline=""
  (cd "$ROOT" && mvn -B -q $offline -pl modules/bench -am package -DskipTests)
fi
CP="$BENCH/target/classes:$(cat "$BENCH/target/classpath.txt")"

COMMON=(--batch "$BATCH" --seq "$SEQ" --warmup "$WARMUP" --steps "$STEPS" --threads "$THREADS")
export OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"
# Idle OpenMP threads sleep instead of spinning, on both sides. Without it Debian's torch runs 2 OpenMP + 2
# OpenBLAS threads on 2 cores that spin against each other (~25% slower), and any neighbour process makes
# libtorch's spinning threads collapse (measured: 14x slower steps); see README. OMP_WAIT_POLICY=default
# keeps libgomp's own default instead.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
[ "$OMP_WAIT_POLICY" = default ] && unset OMP_WAIT_POLICY
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; GLIBC_TUNABLES=${GLIBC_TUNABLES:-} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(libgomp default)} "\
"(other processes skew the figures: steps where they took > 0.25 core are left out of the medians)"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS DJL: java io.aligntune.bench.ModelThroughputBenchmark ${COMMON[*]}"
  java -Xmx3g -Dai.djl.offline=true \
    -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
    -cp "$CP" io.aligntune.bench.ModelThroughputBenchmark "${COMMON[@]}" 2>&1 \
    | grep -v '^SLF4J' | tee "$OUT/djl.$round.log"
  log "round $round/$ROUNDS PyTorch: $PY modules/bench/pytorch_llama.py ${COMMON[*]}"
  "$PY" "$BENCH/pytorch_llama.py" "${COMMON[@]}" 2>&1 | tee "$OUT/pytorch.$round.log"
done

# ---- 3. Side-by-side table and ratio -------------------------------------------------------------------------
"$PY" - "$OUT" "$ROUNDS" <<'PYEOF'
import glob, os, statistics, sys

out, rounds = sys.argv[1], int(sys.argv[2])
NOISY = 0.25  # a step during which other processes took more than this many cores is left out


def parse(side):
    info, results, steps = {}, [], []
    for path in sorted(glob.glob(os.path.join(out, side + ".*.log"))):
        for line in open(path):
            words = line.split()
            if not words or words[0] not in ("INFO", "RESULT", "STEP"):
                continue
            kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            if words[0] == "INFO":
                info.update(kv)
            elif words[0] == "RESULT":
                results.append(kv)
            elif "measured" in words:
                steps.append({k: float(kv[k]) for k in ("fwd_ms", "bwd_ms", "host_copy_ms", "other_cores", "cpu_ms")})
    if len(results) != rounds:
        sys.exit("%s: %d of %d runs printed a RESULT line: a benchmark failed (see its output above)"
                 % (side, len(results), rounds))
    clean = [s for s in steps if not s["other_cores"] > NOISY]
    used = clean if len(clean) >= max(3, len(steps) // 2) else steps
    return info, results[-1], steps, used


def med(steps, key):
    return statistics.median(key(s) for s in steps)


(di, dr, dall, d), (pi, pr, pall, p) = parse("djl"), parse("pytorch")
for k in ("batch", "seq", "warmup", "steps", "threads", "params"):
    if dr[k] != pr[k]:
        sys.exit("the two sides did not run the same configuration: %s=%s vs %s" % (k, dr[k], pr[k]))
tokens = int(dr["batch"]) * int(dr["seq"])
params = int(dr["params"])


def figures(steps):
    step = med(steps, lambda s: s["fwd_ms"] + s["bwd_ms"])
    best = min(s["fwd_ms"] + s["bwd_ms"] for s in steps)
    copy = med(steps, lambda s: s["host_copy_ms"])
    tok = tokens / (step / 1e3)
    return dict(fwd=med(steps, lambda s: s["fwd_ms"]), bwd=med(steps, lambda s: s["bwd_ms"]), step=step,
                cpu=med(steps, lambda s: s["cpu_ms"]) / 1e3,
                tok=tok, best=tokens / (best / 1e3), gflops=6.0 * params * tok / 1e9, copy=copy,
                with_copy=tokens / ((step + copy) / 1e3))


fd, fp = figures(d), figures(p)
blas = pi.get("blas_loaded", "?").split(",")
rows = [
    ("runtime", "DJL, libtorch %s" % di.get("engine", "?").split("-")[-1], "torch %s" % pi.get("torch", "?")),
    ("BLAS", "oneMKL, inside libtorch_cpu", os.path.basename(blas[-1])),
    ("OMP_WAIT_POLICY / GLIBC_TUNABLES", "(same env for both)",
     "%s / %s" % (os.environ.get("OMP_WAIT_POLICY", "default"), os.environ.get("GLIBC_TUNABLES", "-"))),
    ("intra/inter-op threads", "%s/%s" % (di.get("intra_op_threads"), di.get("inter_op_threads")),
     "%s/%s" % (pi.get("intra_op_threads"), pi.get("inter_op_threads"))),
    ("measured steps used", "%d of %d" % (len(d), len(dall)), "%d of %d" % (len(p), len(pall))),
    ("forward ms/step", "%.0f" % fd["fwd"], "%.0f" % fp["fwd"]),
    ("backward ms/step", "%.0f" % fd["bwd"], "%.0f" % fp["bwd"]),
    ("fwd+bwd ms/step", "%.0f" % fd["step"], "%.0f" % fp["step"]),
    ("tokens/s", "%.0f" % fd["tok"], "%.0f" % fp["tok"]),
    ("tokens/s, best step", "%.0f" % fd["best"], "%.0f" % fp["best"]),
    ("GFLOP/s (6 x params x tok/s)", "%.1f" % fd["gflops"], "%.1f" % fp["gflops"]),
    ("own CPU s/step (busy-machine proxy)", "%.2f" % fd["cpu"], "%.2f" % fp["cpu"]),
    ("gradient copy-out (+reset) ms", "%.0f" % fd["copy"], "%.0f" % fp["copy"]),
    ("tokens/s incl. that copy", "%.0f" % fd["with_copy"], "%.0f" % fp["with_copy"]),
    ("final loss (random init)", dr["loss"], pr["loss"]),
]
print()
print("stories15M-shaped random Llama (%d params), batch %sx%s, fwd+bwd, %d round(s) x (%s warmup + %s measured "
      "steps) per side; medians over measured steps" % (params, dr["batch"], dr["seq"], rounds, dr["warmup"],
                                                       dr["steps"]))
print("%-36s %-27s %-27s" % ("", "DJL (aligntune-model)", "PyTorch (pytorch_llama.py)"))
for name, a, b in rows:
    print("%-36s %-27s %-27s" % (name, a, b))
noisy = [side for side, used, total in (("DJL", d, dall), ("PyTorch", p, pall)) if len(used) < len(total)]
if noisy:
    print("note: steps during which other processes took > %.2f core were left out (%s)" % (NOISY, ", ".join(noisy)))
if any(s["other_cores"] > NOISY for s in d + p):
    print("WARNING: the machine was busy during most steps: these figures are not reliable; rerun on an idle machine")
print()
print("RATIO djl/pytorch = %.2f (DJL %.0f tok/s, PyTorch %.0f tok/s, batch %sx%s, %s threads)"
      % (fd["tok"] / fp["tok"], fd["tok"], fp["tok"], dr["batch"], dr["seq"], dr["threads"]))
PYEOF
