#!/usr/bin/env bash
# Serving benchmark: `coreinfer bench` on a 125M-parameter Llama-shaped Q4_0 model for the
# single-stream reference (run before and after the server; the faster run counts), then
# `coreinfer serve` on the same model loaded by coreinfer_loadgen at 1, 4 and 8 concurrent
# streams (loopback only). Prints a table with the
# single-stream ratio (loadgen 1-stream tokens/s / the bench's rate for the same 16-token prompt and
# 64 generated tokens; also against tg_tps alone) and the comparison with
# llama.cpp's server on this machine (4 slots: 255-317 generated tokens/s in total).
#   bash bench/serve_load.sh                      # uses build/release
#   BUILD=build/h-loadgen STREAM=1 bash bench/serve_load.sh
# Settings (environment): BUILD, or COREINFER / LOADGEN / MAKE_MODEL for single binaries, MODEL, THREADS (2), PARALLEL (8), CTX (512 per sequence),
# CONCURRENCY (1,4,8), REQUESTS (8 per client), MAX_TOKENS (64), PROMPT_TOKENS (16, bench -p),
# STREAM (0; 1 streams with SSE and adds the time to first token), PORT (0: a free one), OUT,
# ENGINE_ARGS (extra flags given to both `bench` and `serve`, e.g. --fp32-activations).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build/release}
MODEL=${MODEL:-build/bench-models/llama-125m-Q4_0.gguf}
THREADS=${THREADS:-2}
PARALLEL=${PARALLEL:-8}
CTX=${CTX:-512}
CONCURRENCY=${CONCURRENCY:-1,4,8}
REQUESTS=${REQUESTS:-8}
MAX_TOKENS=${MAX_TOKENS:-64}
PROMPT_TOKENS=${PROMPT_TOKENS:-16}
STREAM=${STREAM:-0}
PORT=${PORT:-0}
OUT=${OUT:-build/bench-serve}
read -r -a ENGINE_FLAGS <<<"${ENGINE_ARGS:-}"
LLAMA_CPP_LOW=255    # llama.cpp server, 4 slots, 4 clients x 8 requests x 64 tokens, this machine
LLAMA_CPP_HIGH=317

COREINFER=${COREINFER:-$BUILD/coreinfer}
LOADGEN=${LOADGEN:-$BUILD/coreinfer_loadgen}
MAKE_MODEL=${MAKE_MODEL:-$BUILD/coreinfer_make_model}
for exe in "$COREINFER" "$LOADGEN" "$MAKE_MODEL"; do
  [[ -x $exe ]] || { echo "serve_load.sh: $exe not found; build it (or set BUILD=...)" >&2; exit 1; }
done
mkdir -p "$OUT" "$(dirname "$MODEL")"
echo "load: $(uptime)"

# The model, with the synthetic tokenizer `serve` needs (files from before the tokenizer was
# added to coreinfer_make_model are rewritten).
if [[ ! -f $MODEL ]] || ! echo hi | "$COREINFER" --log-level off tokenize -m "$MODEL" >/dev/null 2>&1; then
  echo "writing $MODEL"
  "$MAKE_MODEL" --shape llama-125m --type Q4_0 -o "$MODEL"
fi

# 1. Single-stream reference, before the server starts so the two never compete (and again after
# it stops: this machine's speed drifts over minutes, so the faster of the two is the reference).
run_bench() {
  echo "coreinfer bench -m $MODEL -t $THREADS -p $PROMPT_TOKENS -n $MAX_TOKENS ${ENGINE_ARGS:-}"
  "$COREINFER" bench -m "$MODEL" -t "$THREADS" -p "$PROMPT_TOKENS" -n "$MAX_TOKENS" "${ENGINE_FLAGS[@]}" --json | tee -a "$OUT/bench.json"
}
: >"$OUT/bench.json"
run_bench

# 2. The server, stopped on any exit.
SERVER_LOG=$OUT/server.log
"$COREINFER" serve --model "llm=$MODEL" --host 127.0.0.1 --port "$PORT" --parallel "$PARALLEL" \
  --threads "$THREADS" --ctx-size "$CTX" "${ENGINE_FLAGS[@]}" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
stop_server() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap stop_server EXIT

# The port (with PORT=0 the server picks one and prints it), then readiness (model loaded).
URL=
for _ in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "serve_load.sh: the server exited:" >&2; cat "$SERVER_LOG" >&2; exit 1; }
  URL=$(sed -n 's/^coreinfer serve: listening on \(http:[^ ]*\).*/\1/p' "$SERVER_LOG" | head -1)
  if [[ -n $URL ]] && { curl -sf "$URL/v2/health/ready" >/dev/null || \
                        curl -sf "$URL/health" | grep -q '"ok"'; }; then
    break
  fi
  sleep 0.2
done
curl -sf "$URL/v2/health/ready" >/dev/null || { echo "serve_load.sh: the server is not ready:" >&2; cat "$SERVER_LOG" >&2; exit 1; }
echo "server ready at $URL (--parallel $PARALLEL --threads $THREADS --ctx-size $CTX)"

# 3. The load.
STREAM_FLAG=()
[[ $STREAM == 1 ]] && STREAM_FLAG=(--stream)
# The prompt: PROMPT_TOKENS token ids, the same length as the bench's prompt.
"$LOADGEN" --url "$URL" --model llm --concurrency "$CONCURRENCY" --requests-per-client "$REQUESTS" \
  --max-tokens "$MAX_TOKENS" --prompt-tokens "$PROMPT_TOKENS" "${STREAM_FLAG[@]}" --json | tee "$OUT/loadgen.jsonl"

stop_server
run_bench
TG_TPS=$(jq -rs 'map(select(.tg_tps != null) | .tg_tps) | max' "$OUT/bench.json")
PP_TPS=$(jq -rs 'map(select(.pp_tps != null) | .pp_tps) | max' "$OUT/bench.json")

# 4. The table.
echo
echo "model $MODEL, $THREADS threads, --parallel $PARALLEL${ENGINE_ARGS:+ $ENGINE_ARGS}, $REQUESTS requests x $MAX_TOKENS tokens per client, prompt $PROMPT_TOKENS tokens"
printf '| streams | requests | errors | tokens/s | per-stream tok/s | p50 ms | p95 ms | p99 ms |%s\n' \
  "$([[ $STREAM == 1 ]] && echo ' TTFT p50 ms | decode tok/s per stream |')"
printf '|---:|---:|---:|---:|---:|---:|---:|---:|%s\n' "$([[ $STREAM == 1 ]] && echo '---:|---:|')"
jq -r --argjson stream "$STREAM" '
  "| \(.concurrency) | \(.requests) | \(.errors) | \(.tokens_per_s * 10 | round / 10) | " +
  "\(.tokens_per_s / .concurrency * 10 | round / 10) | \(.p50_ms | round) | \(.p95_ms | round) | \(.p99_ms | round) |" +
  (if $stream == 1 then " \(.ttft_p50_ms | round) | \(.decode_tps_p50 * 10 | round / 10) |" else "" end)' "$OUT/loadgen.jsonl"
echo
ONE=$(jq -r 'select(.concurrency == 1) | .tokens_per_s' "$OUT/loadgen.jsonl")
FOUR=$(jq -r 'select(.concurrency == 4) | .tokens_per_s' "$OUT/loadgen.jsonl")
if [[ -n $ONE && -n $TG_TPS ]]; then
  # (Comparisons in parentheses: a bare '>' in awk's printf arguments is a redirection.)
  # A served request prefills its prompt and then generates; the bench's rate for the same work is
  # MAX_TOKENS / (PROMPT_TOKENS / pp_tps + MAX_TOKENS / tg_tps). The ratio against tg alone
  # (which leaves the prompt out) is printed too.
  awk -v one="$ONE" -v tg="$TG_TPS" -v pp="$PP_TPS" -v n="$MAX_TOKENS" -v p="$PROMPT_TOKENS" 'BEGIN {
    same = n / (p / pp + n / tg); r = one / same; verdict = (r >= 0.9) ? "met" : "NOT met";
    printf "single stream: %.1f tok/s served / %.1f tok/s coreinfer bench for the same request (pp%d + tg%d) = %.3f (target >= 0.90: %s)\n",
           one, same, p, n, r, verdict;
    printf "single stream against bench tg%d alone (prompt time not counted there): %.1f / %.1f = %.3f\n", n, one, tg, one / tg }'
  DECODE=$(jq -r 'select(.concurrency == 1) | .decode_tps_p50 // empty' "$OUT/loadgen.jsonl")
  if [[ -n $DECODE ]]; then  # streamed: generation alone, without the prompt and the first token
    awk -v d="$DECODE" -v tg="$TG_TPS" 'BEGIN { printf "single stream, decode only (streamed): %.1f tok/s = %.2f of the bench\n", d, d / tg }'
  fi
fi
if [[ -n $FOUR ]]; then
  awk -v four="$FOUR" -v lo="$LLAMA_CPP_LOW" -v hi="$LLAMA_CPP_HIGH" 'BEGIN {
    verdict = (four >= hi) ? "met" : ((four >= lo) ? "within the range" : "NOT met");
    printf "4 streams: %.1f tok/s vs llama.cpp server (4 slots) %d-%d tok/s: %.2f-%.2f x (target >= 1 x the range: %s)\n",
           four, lo, hi, four / hi, four / lo, verdict }'
fi
echo "raw: $OUT/bench.json, $OUT/loadgen.jsonl, server log $OUT/server.log"
