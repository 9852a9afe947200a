#!/usr/bin/env bash
# LLM decode on a many-core server (prepared for Ampere Altra / AmpereOne, works anywhere):
# a threads x processes sweep of `coreinfer bench`, with the aggregate generation speed as a
# fraction of the machine's memory-bandwidth bound, and the kernel levels side by side.
#
#   make build && bash bench/ampere_sweep.sh                  # Q4_0, Q8_0, Q4_K_M; all usable cores
#   TYPES="Q4_0" THREADS="1 4 16 64" bash bench/ampere_sweep.sh
#   ISAS="neon dotprod i8mm" bash bench/ampere_sweep.sh       # the level sweep (COREINFER_ISA)
#
# For each thread count T, P = cores / T processes run at once, each pinned (taskset) to its own
# T consecutive cores, each with its own copy of the weights: on a 2-socket or NPS>1 machine this
# is the "one process per NUMA node" layout. The bound is the single-process bandwidth probe
# (all cores) divided by the bytes one token reads; aggregate fraction = sum of the processes'
# tokens/s x bytes per token / bandwidth. Output: one table, and bench-sweep.jsonl with every run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build/release}"
BIN="$BUILD/coreinfer"
MAKE_MODEL="$BUILD/coreinfer_make_model"
MODELS_DIR="${MODELS_DIR:-build/bench-models}"
SHAPE="${SHAPE:-tinyllama-1.1b}"
TYPES="${TYPES:-Q4_0 Q8_0 Q4_K_M}"
ISAS="${ISAS:-}"
PROMPT="${PROMPT:-64}"
GEN="${GEN:-64}"
REPEATS="${REPEATS:-3}"
OUT="${OUT:-bench-sweep.jsonl}"

[ -x "$BIN" ] || { echo "no $BIN: run 'make build' first" >&2; exit 1; }
[ -x "$MAKE_MODEL" ] || { echo "no $MAKE_MODEL: build with benchmarks (make build)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 1; }

# The cores this process may use (affinity mask), in order.
mapfile -t CORES < <(python3 - <<'EOF'
import os
print("\n".join(str(c) for c in sorted(os.sched_getaffinity(0))))
EOF
)
NCORES=${#CORES[@]}
if [ -z "${THREADS:-}" ]; then
  THREADS=""
  t=1
  while [ "$t" -le "$NCORES" ]; do THREADS+="$t "; t=$((t * 2)); done
  [ $((t / 2)) -eq "$NCORES" ] || THREADS+="$NCORES"
fi

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
core_list() { local first=$1 count=$2; local IFS=,; echo "${CORES[*]:$first:$count}"; }

mkdir -p "$MODELS_DIR"
: >"$OUT"
echo "cores: $NCORES ($(grep -m1 -E 'model name|CPU part' /proc/cpuinfo | sed 's/.*: //'))"
"$BIN" info --cpu | grep -E '^(kernels|  Q4_0|  Q8_0|  Q4_K|  Q6_K|  quantize_act)'
printf '\n%-8s %-10s %7s %5s %12s %12s %10s\n' type isa threads procs "tg tok/s" "pp tok/s" "bound frac"

for type in $TYPES; do
  model="$MODELS_DIR/${SHAPE}-${type}.gguf"
  [ -f "$model" ] || "$MAKE_MODEL" --shape "$SHAPE" --type "$type" -o "$model" >/dev/null
  # The bound: one process on every core, which also measures the bandwidth.
  base=$("$BIN" bench -m "$model" -t "$NCORES" -p "$PROMPT" -n "$GEN" -r "$REPEATS" --json 2>/dev/null)
  bw=$(field "$base" bandwidth_gbs)
  bytes=$(field "$base" model_bytes_per_token)
  for isa in ${ISAS:-default}; do
    for t in $THREADS; do
      procs=$((NCORES / t))
      [ "$procs" -ge 1 ] || continue
      pids=()
      tmp=$(mktemp -d)
      envs=()
      [ "$isa" = default ] || envs=("COREINFER_ISA=$isa")
      for ((p = 0; p < procs; p++)); do
        env "${envs[@]}" taskset -c "$(core_list $((p * t)) "$t")" "$BIN" bench -m "$model" -t "$t" -p "$PROMPT" -n "$GEN" \
          -r "$REPEATS" --json >"$tmp/$p.json" 2>/dev/null &
        pids+=($!)
      done
      wait "${pids[@]}"
      agg=$(python3 - "$tmp" "$bw" "$bytes" "$type" "$isa" "$t" "$procs" "$OUT" <<'EOF'
import json, os, sys
d, bw, nbytes, typ, isa, t, procs, out = sys.argv[1:]
runs = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d))]
tg = sum(r["tg_tps"] for r in runs)
pp = sum(r["pp_tps"] for r in runs)
frac = tg * float(nbytes) / (float(bw) * 1e9)
with open(out, "a") as f:
    f.write(json.dumps({"type": typ, "isa": isa, "threads": int(t), "processes": int(procs), "tg_tps": tg,
                        "pp_tps": pp, "bandwidth_gbs": float(bw), "bound_fraction": frac, "runs": runs}) + "\n")
print(f"{tg:.1f} {pp:.1f} {frac:.2f}")
EOF
)
      rm -rf "$tmp"
      read -r tg pp frac <<<"$agg"
      printf '%-8s %-10s %7s %5s %12s %12s %10s\n' "$type" "$isa" "$t" "$procs" "$tg" "$pp" "$frac"
    done
  done
done
echo "bandwidth probe (one process, all cores): $bw GB/s; every run in $OUT"
