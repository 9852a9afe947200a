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

# model ; ctest label regex ("" = every test) ; expected `info --cpu` feature lines ; expected kernels
# (the level, the fp32 GEMM's level, the Q4_0 8-bit decode kernel's level and the weight layout it
# reads, rows or row pairs: they must differ between the CPU models as their features do)
# Every model runs the whole suite. The golden LLM tests' scalar-level runs compute the same on
# every emulated CPU (the scalar kernels have no CPU-dependent code), so they run on the first
# model only (COREINFER_TEST_SKIP_SCALAR=1 on the others), which keeps the five runs in the
# 15-minute CI budget.
table=(
  "neoverse-n1;;asimd=yes asimddp=yes fphp=yes asimdhp=yes i8mm=no bf16=no sve=no sve2=no;level=dotprod gemm_f32=neon q4_0_int8=dotprod q4_0_layout=rows"
  "max,sve=off;;asimd=yes asimddp=yes fphp=yes asimdhp=yes i8mm=yes bf16=yes sve=no sve2=no;level=i8mm gemm_f32=neon q4_0_int8=i8mm q4_0_layout=pairs"
  "max,sve128=on;;asimd=yes asimddp=yes i8mm=yes bf16=yes sve=yes sve2=yes sve_vector_bits=128;level=sve gemm_f32=sve q4_0_int8=sve q4_0_layout=rows"
  "max,sve256=on;;asimd=yes asimddp=yes i8mm=yes bf16=yes sve=yes sve2=yes sve_vector_bits=256;level=sve gemm_f32=sve q4_0_int8=sve q4_0_layout=rows"
  "cortex-a72;;asimd=yes asimddp=no fphp=no asimdhp=no i8mm=no bf16=no sve=no sve2=no;level=neon gemm_f32=neon q4_0_int8=neon q4_0_layout=rows"
)

status=0
summary=""
for row in "${table[@]}"; do
  IFS=';' read -r cpu labels expect kernels_expected <<<"$row"
  if [ -n "${ARM_MODELS:-}" ] && [[ " $ARM_MODELS " != *" $cpu "* ]]; then continue; fi
  echo "=== QEMU_CPU=$cpu (${labels:-all tests})"
  info=$(QEMU_CPU="$cpu" "${QEMU[@]}" "$BUILD/coreinfer" info --cpu)
  echo "$info" | grep -E '^(asimd|asimddp|fphp|asimdhp|i8mm|bf16|sve|sve2|sve_vector_bits):' | paste -sd' '
  # `info --cpu` names the kernels chosen: "kernels: LEVEL", "  gemm_f32 LEVEL", and the Q4_0 line
  # "dequantise / fp32 dot / packed dot / 8-bit dot[ (row pairs)]".
  kernels_seen="level=$(echo "$info" | sed -n 's/^kernels: \([a-z0-9]*\).*/\1/p')"
  kernels_seen+=" gemm_f32=$(echo "$info" | awk '$1 == "gemm_f32" {print $2}')"
  kernels_seen+=" q4_0_int8=$(echo "$info" | awk '$1 == "Q4_0" {print $8}')"
  kernels_seen+=" q4_0_layout=$(echo "$info" | awk '$1 == "Q4_0" {print $9 == "(row" ? "pairs" : "rows"}')"
  echo "kernels: $kernels_seen"
  if [ "$kernels_seen" != "$kernels_expected" ]; then
    echo "FAIL: expected kernels $kernels_expected" >&2
    status=1
    summary+="  $cpu: FAIL (kernels: $kernels_seen, expected $kernels_expected)"$'\n'
  fi
  start=$(date +%s)
  args=(--preset aarch64 -j "$JOBS" --no-tests=error)
  [ -n "$labels" ] && args+=(-L "$labels")
  log=$(mktemp)
  skip_scalar=1
  [ "$cpu" = "${table[0]%%;*}" ] && skip_scalar=0
  QEMU_CPU="$cpu" COREINFER_EXPECT_CPU_FEATURES="$expect" COREINFER_TEST_SKIP_SCALAR=$skip_scalar \
    ctest "${args[@]}" >"$log" 2>&1
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
