#!/usr/bin/env bash
# test-sanitizers.sh — build relunet with AddressSanitizer and UndefinedBehaviorSanitizer (into
# build-asan/) and run the whole CTest suite under them. Any sanitizer report fails the run.
# CMAKE_BUILD_PARALLEL_LEVEL and CTEST_PARALLEL_LEVEL (default 2) limit the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# -O1 keeps the instrumented tests fast enough while the stack traces stay readable.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize"
cmake --build build-asan
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir build-asan --output-on-failure -j "${CTEST_PARALLEL_LEVEL:-2}"
