#!/usr/bin/env bash
# Serving benchmark: `coreinfer serve` on a 125M-parameter Llama-shaped Q4_0 model, loaded by
# coreinfer_loadgen at 1, 4 and 8 concurrent streams (loopback only), against `coreinfer bench`
# on the same model. The single-stream ratio is paired: each of ROUNDS rounds runs the bench
# (the server idle meanwhile) and then one stream of requests, and the round's ratio is the served
# tokens/s over the bench's rate for the same 16-token prompt and 64 generated tokens; the median
# of the rounds' ratios is reported (this machine's speed drifts over minutes, so a ratio is only
# taken between runs a few seconds apart). Also printed: the ratio against tg_tps alone, and the
# 4-stream total against llama.cpp's server on this machine (4 slots: 255-317 tokens/s in total).
#   bash bench/serve_load.sh                      # uses build/release
#   BUILD=build/h-loadgen STREAM=1 bash bench/serve_load.sh
# Settings (environment): BUILD, or COREINFER / LOADGEN / MAKE_MODEL for single binaries, MODEL, THREADS (2), PARALLEL (8), CTX (512 per sequence),
# CONCURRENCY (1,4,8), REQUESTS (8 per client), MAX_TOKENS (64), PROMPT_TOKENS (16, bench -p),
# ROUNDS (5, single-stream pairs), STREAM (0; 1 streams with SSE and adds the time to first token), PORT (0: a free one), OUT,
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
ROUNDS=${ROUNDS:-5}
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

run_bench() {
  "$COREINFER" bench -m "$MODEL" -t "$THREADS" -p "$PROMPT_TOKENS" -n "$MAX_TOKENS" "${ENGINE_FLAGS[@]}" --json | tee -a "$OUT/bench.json"
}

# 1. The server, stopped on any exit.
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

# 2. The load.
STREAM_FLAG=()
[[ $STREAM == 1 ]] && STREAM_FLAG=(--stream)
# The prompt: PROMPT_TOKENS token ids, the same length as the bench's prompt.
run_load() {  # concurrency list
  "$LOADGEN" --url "$URL" --model llm --concurrency "$1" --requests-per-client "$REQUESTS" \
    --max-tokens "$MAX_TOKENS" --prompt-tokens "$PROMPT_TOKENS" "${STREAM_FLAG[@]}" --json
}
# Single stream, paired with the bench in each round (the idle server's threads sleep).
: >"$OUT/bench.json"
: >"$OUT/single.jsonl"
if [[ ,$CONCURRENCY, == *,1,* ]]; then
  echo "coreinfer bench -m $MODEL -t $THREADS -p $PROMPT_TOKENS -n $MAX_TOKENS ${ENGINE_ARGS:-} / one stream, $ROUNDS rounds"
  for _ in $(seq 1 "$ROUNDS"); do
    run_bench
    run_load 1 | tee -a "$OUT/single.jsonl"
  done
fi
OTHERS=$(tr ',' '\n' <<<"$CONCURRENCY" | grep -vx 1 | paste -sd, || true)
# The median single-stream round (by its ratio) stands for concurrency 1 in the table.
ROUND_RATIOS=$(jq -rs --argjson p "$PROMPT_TOKENS" --argjson n "$MAX_TOKENS" '
  [.[] | select(.tg_tps != null)] as $b | [.[] | select(.concurrency != null)] as $l |
  [range(0; $l | length) | {i: ., same: ($n / ($p / $b[.].pp_tps + $n / $b[.].tg_tps)), tg: $b[.].tg_tps, load: $l[.]}] |
  map(. + {ratio: (.load.tokens_per_s / .same), ratio_tg: (.load.tokens_per_s / .tg),
           ratio_decode: ((.load.decode_tps_p50 // 0) / .tg)}) | sort_by(.ratio) | .[]' \
  <(cat "$OUT/bench.json" "$OUT/single.jsonl") | jq -c .)
{
  [[ -n $ROUND_RATIOS ]] && jq -c '.load' <<<"$(sed -n "$(( ($(wc -l <<<"$ROUND_RATIOS") + 1) / 2 ))p" <<<"$ROUND_RATIOS")"
  [[ -n $OTHERS ]] && run_load "$OTHERS"
} >"$OUT/loadgen.jsonl"
[[ -n $OTHERS ]] && grep -v '"concurrency":1,' "$OUT/loadgen.jsonl"

stop_server

# 3. The table.
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
FOUR=$(jq -r 'select(.concurrency == 4) | .tokens_per_s' "$OUT/loadgen.jsonl")
if [[ -n $ROUND_RATIOS ]]; then
  # A served request prefills its prompt and then generates; the bench's rate for the same work is
  # MAX_TOKENS / (PROMPT_TOKENS / pp_tps + MAX_TOKENS / tg_tps). Against tg alone (which leaves
  # the prompt out) and, when streamed, decode alone (without the prompt and first token) too.
  echo "single stream, each round (served tokens/s / bench rate for the same request, pp$PROMPT_TOKENS + tg$MAX_TOKENS):"
  jq -r '"  \(.load.tokens_per_s * 10 | round / 10) / \(.same * 10 | round / 10) = \(.ratio * 1000 | round / 1000)" +
         "   (against tg alone \(.ratio_tg * 1000 | round / 1000)" +
         (if .load.decode_tps_p50 then "; decode only \(.ratio_decode * 1000 | round / 1000))" else ")" end)' <<<"$ROUND_RATIOS"
  MEDIAN=$(jq -rs 'map(.ratio) | sort | .[(length - 1) / 2 | floor]' <<<"$ROUND_RATIOS")
  awk -v r="$MEDIAN" -v n="$(wc -l <<<"$ROUND_RATIOS")" 'BEGIN {
    printf "single stream: median of %d rounds = %.3f of coreinfer bench (target >= 0.90: %s)\n", n, r, (r >= 0.9) ? "met" : "NOT met" }'
fi
if [[ -n $FOUR ]]; then
  awk -v four="$FOUR" -v lo="$LLAMA_CPP_LOW" -v hi="$LLAMA_CPP_HIGH" 'BEGIN {
    verdict = (four >= hi) ? "met" : ((four >= lo) ? "within the range" : "NOT met");
    printf "4 streams: %.1f tok/s vs llama.cpp server (4 slots) %d-%d tok/s: %.2f-%.2f x (target >= 1 x the range: %s)\n",
           four, lo, hi, four / hi, four / lo, verdict }'
fi
echo "raw: $OUT/bench.json, $OUT/single.jsonl (the rounds), $OUT/loadgen.jsonl, server log $OUT/server.log"
