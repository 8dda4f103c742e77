#!/usr/bin/env bash
# fuzz.sh — build the libFuzzer targets (clang, ASan + UBSan, in the instrumented tree build-asan/
# that scripts/asan-build.sh makes) and run each for FUZZ_SECONDS (default 60) on a scratch copy
# of its seed corpus in tests/fuzz/corpus/<target>/.
# Prints the executions per target; exits non-zero if any target found a crash, a sanitizer
# report, an unexpected exception, a leak, a timeout or a giant allocation (the failing input is
# saved as build-asan/fuzz/artifacts/<target>-*). Usage: scripts/fuzz.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

readonly seconds="${FUZZ_SECONDS:-60}"
readonly all_targets=(fuzz_cifar10 fuzz_checkpoint fuzz_model_file fuzz_onnx_import fuzz_image_header)
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then targets=("${all_targets[@]}"); fi

scripts/asan-build.sh "${targets[@]}"

export OMP_NUM_THREADS=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
readonly work=build-asan/fuzz
mkdir -p "$work/artifacts"
failed=()
summary=()
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"  # the fuzzer adds inputs to it; the seeds stay untouched
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$target"/* "$corpus"/
  log="$work/$target.log"
  echo "fuzz.sh: running $target for $seconds s (log: $log)"
  status=0
  "build-asan/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$target-" "$corpus" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  summary+=("$(printf '%-16s %4s s  %10s executions  %s' "$target" "${took:-?}" "${runs:-?}" \
               "$([[ $status -eq 0 ]] && echo ok || echo "FAILED (exit $status)")")")
  if [[ $status -ne 0 ]]; then
    failed+=("$target")
    tail -n 40 "$log" >&2
  fi
done

printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: ${failed[*]} failed; the inputs are in $work/artifacts/" >&2
  exit 1
fi
