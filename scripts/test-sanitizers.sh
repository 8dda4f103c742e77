#!/usr/bin/env bash
# test-sanitizers.sh — the whole CTest suite under AddressSanitizer and UndefinedBehaviorSanitizer,
# in the instrumented tree scripts/asan-build.sh builds (build-asan/). Any sanitizer report fails
# the run. CMAKE_BUILD_PARALLEL_LEVEL and CTEST_PARALLEL_LEVEL (default 2) limit the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/asan-build.sh
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir build-asan --output-on-failure -j "${CTEST_PARALLEL_LEVEL:-2}"
