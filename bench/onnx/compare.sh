#!/usr/bin/env bash
# coreinfer against ONNX Runtime (npm onnxruntime-node) on the same models, inputs and threads,
# in the same run. The two engines never run at once: for each model and batch size coreinfer
# runs, then ORT. Then each engine runs once on the saved inputs and their outputs are compared.
#
#   bash bench/onnx/compare.sh                  # all models
#   MODELS="resnet50 dlrm" bash bench/onnx/compare.sh
#
# Environment: COREINFER (binary, default build/release/coreinfer), MODEL_DIR (default
# build/bench-models/onnx; missing models are written there by make_models.py), THREADS
# (default 2), OUT (default build/bench-onnx: raw JSON lines and outputs), ROUNDS (default 1: coreinfer then ORT, repeated
# ROUNDS times; the table shows each engine's round with the lowest p50), SKIP_CHECK=1 to skip
# the output comparison.
set -euo pipefail
cd "$(dirname "$0")/../.."

COREINFER=${COREINFER:-build/release/coreinfer}
MODEL_DIR=${MODEL_DIR:-build/bench-models/onnx}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-1}
OUT=${OUT:-build/bench-onnx}
PY=/usr/bin/python3 # Debian's python3 has python3-onnx
INT8_DIR=tests/data/onnx/mobilenetv2-12-int8

# model name and batch sizes (the issue's list).
CASES=("resnet50 1,32" "mobilenetv2 1" "dlrm 2048" "dlrm_multihot 2048" "minilm_l6 1" "mobilenetv2-12-int8 1,8")
if [[ -n "${MODELS:-}" ]]; then
  selected=()
  for c in "${CASES[@]}"; do [[ " $MODELS " == *" ${c%% *} "* ]] && selected+=("$c"); done
  CASES=("${selected[@]}")
fi

[[ -x "$COREINFER" ]] || { echo "no coreinfer binary at $COREINFER (make build, or set COREINFER)" >&2; exit 1; }
[[ -d build/ort-node/node_modules/onnxruntime-node || -n "${ORT_NODE_DIR:-}" ]] || {
  echo "installing onnxruntime-node into build/ort-node" >&2
  mkdir -p build/ort-node
  (cd build/ort-node && { [[ -f package.json ]] || npm init -y >/dev/null; } &&
    ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund onnxruntime-node@1.30.0 >/dev/null)
}

missing=()
for c in "${CASES[@]}"; do
  name=${c%% *}
  [[ $name != mobilenetv2-12-int8 && ! -f $MODEL_DIR/$name/model.onnx ]] && missing+=("$name")
done
if ((${#missing[@]})); then
  echo "writing the models ${missing[*]} into $MODEL_DIR" >&2
  "$PY" bench/onnx/make_models.py -o "$MODEL_DIR" --only "$(IFS=,; echo "${missing[*]}")" >&2
fi

model_path() { [[ $1 == mobilenetv2-12-int8 ]] && echo "$INT8_DIR/model.onnx" || echo "$MODEL_DIR/$1/model.onnx"; }
data_dir() { [[ $1 == mobilenetv2-12-int8 ]] && echo "$INT8_DIR/test_data_set_0" || echo "$MODEL_DIR/$1/test_data_set_0"; }

# --input NAME=FILE for every input_K.pb of the model's data set (names read from the files).
input_args() {
  "$PY" - "$(data_dir "$1")" <<'EOF'
import glob, os, sys
from onnx import TensorProto
files = sorted(glob.glob(os.path.join(sys.argv[1], "input_*.pb")), key=lambda f: int(f.rsplit("_", 1)[1][:-3]))
for f in files:
    t = TensorProto()
    t.ParseFromString(open(f, "rb").read())
    print(f"--input {t.name}={f}")
EOF
}

# "exit N (SIGNAME): last lines of stderr" for a failed command.
failure() {
  local rc=$1 sig=""
  ((rc > 128)) && sig=" (SIG$(kill -l $((rc - 128)) 2>/dev/null))"
  echo "exit $rc$sig: $(tail -3 "$OUT/err.txt" | tr '\n' ' ')"
}

# Of two JSON result lines (the first may be empty), the one with the lower p50.
best() {
  [[ -z $1 ]] && { echo "$2"; return; }
  node -e 'const [a,b]=process.argv.slice(1).map(JSON.parse); console.log(JSON.stringify(b.p50_ms < a.p50_ms ? b : a))' "$1" "$2"
}

json_field() { node -e 'const o=JSON.parse(process.argv[1]); console.log(o[process.argv[2]])' "$1" "$2"; }

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
ERRORS=()
ROWS=()
echo "# $(date -u '+%F %T UTC'), $(nproc) cores, load:$(uptime | sed 's/.*load average://'), threads $THREADS" >&2
echo "# coreinfer $COREINFER, onnxruntime-node $(node -e "console.log(require('./build/ort-node/node_modules/onnxruntime-node').env.versions.common)" 2>/dev/null || echo '?')" >&2

for c in "${CASES[@]}"; do
  name=${c%% *}
  model=$(model_path "$name")
  if [[ ! -f $model ]]; then
    ERRORS+=("$name: $model not found (run: $PY bench/onnx/make_models.py -o $MODEL_DIR)")
    continue
  fi
  mapfile -t inputs < <(input_args "$name" | tr ' ' '\n')
  IFS=',' read -ra batches <<<"${c#* }"
  for b in "${batches[@]}"; do
    echo "# $name batch $b" >&2
    ci_line="" ort_line=""
    for ((round = 1; round <= ROUNDS; round++)); do
      rc=0
      out=$("$COREINFER" bench -m "$model" --batch "$b" -t "$THREADS" --json "${inputs[@]}" 2>"$OUT/err.txt") || rc=$?
      if ((rc == 0)); then
        line=$(grep '^{' <<<"$out" | tail -1)
        line="{\"engine\":\"coreinfer\",\"round\":$round,${line#\{}"
        echo "$line" >>"$RESULTS"
        ci_line=$(best "$ci_line" "$line")
      else
        ERRORS+=("$name batch $b coreinfer: $(failure $rc)")
        break
      fi
      rc=0
      out=$(node bench/onnx/ort_bench.js -m "$model" --batch "$b" -t "$THREADS" --json "${inputs[@]}" 2>"$OUT/err.txt") || rc=$?
      if ((rc == 0)); then
        line=$(grep '^{' <<<"$out" | tail -1)
        line="{\"round\":$round,${line#\{}"
        echo "$line" >>"$RESULTS"
        ort_line=$(best "$ort_line" "$line")
      else
        ERRORS+=("$name batch $b onnxruntime: $(failure $rc)")
        break
      fi
    done
    ci_ms=- ci_ips=- ort_ms=- ort_ips=- ratio=- ratio_p50=-
    [[ -n $ci_line ]] && ci_ms=$(json_field "$ci_line" p50_ms) && ci_ips=$(json_field "$ci_line" items_per_s)
    [[ -n $ort_line ]] && ort_ms=$(json_field "$ort_line" p50_ms) && ort_ips=$(json_field "$ort_line" items_per_s)
    if [[ -n $ci_line && -n $ort_line ]]; then
      ratio=$(node -e "console.log(($ci_ips/$ort_ips).toFixed(2))")
      ratio_p50=$(node -e "console.log(($ort_ms/$ci_ms).toFixed(2))")
    fi
    ROWS+=("$(printf '%-20s %6s %12s %12s %12s %12s %7s %9s' "$name" "$b" "$ci_ms" "$ci_ips" "$ort_ms" "$ort_ips" "$ratio" "$ratio_p50")")
  done
done

CHECKS=()
if [[ -z "${SKIP_CHECK:-}" ]]; then
  for c in "${CASES[@]}"; do
    name=${c%% *}
    model=$(model_path "$name")
    [[ -f $model ]] || continue
    mapfile -t inputs < <(input_args "$name" | tr ' ' '\n')
    echo "# $name: outputs on the saved inputs" >&2
    rm -rf "$OUT/out/$name"
    mkdir -p "$OUT/out/$name/coreinfer" "$OUT/out/$name/ort"
    rc=0
    "$COREINFER" run -m "$model" -t "$THREADS" "${inputs[@]}" --output-dir "$OUT/out/$name/coreinfer" >/dev/null 2>"$OUT/err.txt" || rc=$?
    if ((rc != 0)); then
      CHECKS+=("$name: coreinfer failed, $(failure $rc)")
      continue
    fi
    node bench/onnx/ort_bench.js -m "$model" -t "$THREADS" "${inputs[@]}" --output-dir "$OUT/out/$name/ort" 2>"$OUT/err.txt" || rc=$?
    if ((rc != 0)); then
      CHECKS+=("$name: onnxruntime failed, $(failure $rc)")
      continue
    fi
    while IFS= read -r line; do CHECKS+=("$name: $line"); done < <("$PY" bench/onnx/diff_outputs.py "$OUT/out/$name/coreinfer" "$OUT/out/$name/ort" || true)
  done
fi

echo
echo "threads $THREADS, best p50 of $ROUNDS round(s); p50 latency per run (ms) and throughput (items/s, mean over the runs)"
echo "ratio = coreinfer items/s / ORT items/s; ratio_p50 = ORT p50 / coreinfer p50 (the same from medians, steadier under load)"
printf '%-20s %6s %12s %12s %12s %12s %7s %9s\n' model batch "coreinfer_ms" "coreinfer/s" "ort_ms" "ort/s" ratio ratio_p50
for r in "${ROWS[@]}"; do echo "$r"; done
if ((${#CHECKS[@]})); then
  echo
  echo "outputs on the saved inputs (coreinfer vs ORT):"
  for l in "${CHECKS[@]}"; do echo "  $l"; done
fi
if ((${#ERRORS[@]})); then
  echo
  echo "errors:"
  for e in "${ERRORS[@]}"; do echo "  $e"; done
fi
echo
echo "raw results: $RESULTS"
