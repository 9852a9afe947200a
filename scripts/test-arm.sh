#!/usr/bin/env bash
# Runs the aarch64 cross build's tests under qemu-user, once per emulated CPU model (make test-arm).
# Expects build/aarch64 to be built (make build-arm). For each model: what `coreinfer info --cpu`
# detects, the test run (the cpu_features_expected test checks the detected HWCAP bits against the
# model's expected set), and ctest's summary. Exits non-zero if any model failed.
#   ARM_MODELS="neoverse-n1 cortex-a72" scripts/test-arm.sh   # only these models
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
BUILD=build/aarch64
QEMU=(qemu-aarch64 -L /usr/aarch64-linux-gnu)

# model ; ctest label regex ("" = every test) ; expected `info --cpu` lines
# The whole suite runs on one model; the others run the CPU-dependent part (kernels, ops, the
# golden LLM tests, the CPU-feature tests) to stay within the CI time budget.
subset='^(kernels|ops|llm|core|cpu)$'
table=(
  "neoverse-n1;;asimd=yes asimddp=yes fphp=yes asimdhp=yes i8mm=no bf16=no sve=no sve2=no"
  "max,sve=off;$subset;asimd=yes asimddp=yes fphp=yes asimdhp=yes i8mm=yes bf16=yes sve=no sve2=no"
  "max,sve128=on;$subset;asimd=yes asimddp=yes i8mm=yes bf16=yes sve=yes sve2=yes sve_vector_bits=128"
  "max,sve256=on;$subset;asimd=yes asimddp=yes i8mm=yes bf16=yes sve=yes sve2=yes sve_vector_bits=256"
  "cortex-a72;$subset;asimd=yes asimddp=no fphp=no asimdhp=no i8mm=no bf16=no sve=no sve2=no"
)

status=0
summary=""
for row in "${table[@]}"; do
  IFS=';' read -r cpu labels expect <<<"$row"
  if [ -n "${ARM_MODELS:-}" ] && [[ " $ARM_MODELS " != *" $cpu "* ]]; then continue; fi
  echo "=== QEMU_CPU=$cpu (${labels:-all tests})"
  QEMU_CPU="$cpu" "${QEMU[@]}" "$BUILD/coreinfer" info --cpu | grep -E '^(asimd|asimddp|fphp|asimdhp|i8mm|bf16|sve|sve2|sve_vector_bits):' | paste -sd' '
  start=$(date +%s)
  args=(--preset aarch64 -j "$JOBS" --no-tests=error)
  [ -n "$labels" ] && args+=(-L "$labels")
  log=$(mktemp)
  QEMU_CPU="$cpu" COREINFER_EXPECT_CPU_FEATURES="$expect" ctest "${args[@]}" >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  grep -E 'tests passed|Total Test time' "$log"
  [ $rc -eq 0 ] || { status=1; grep -E '\*\*\*Failed|Not Run|Timeout|Exception' "$log" | head -20; }
  rm -f "$log"
  summary+="  $cpu: $( [ $rc -eq 0 ] && echo pass || echo FAIL ) in ${took}s"$'\n'
done
echo "=== test-arm summary"
printf '%s' "$summary"
exit $status
