#!/usr/bin/env bash
# asan-build.sh — configure and build build-asan/, the instrumented tree: clang with
# AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer's coverage instrumentation. It holds
# both the tests (run by scripts/test-sanitizers.sh) and the fuzz targets (scripts/fuzz.sh), so
# relunet is compiled instrumented once for both. Usage: scripts/asan-build.sh [TARGET...]
# (default: everything). CMAKE_BUILD_PARALLEL_LEVEL limits the parallelism.
# The instrumented tree is also the build without MPI (RELUNET_MPI=OFF), so that the supported
# MPI-less build is built and tested by CI; the MPI tests run in the normal build (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# -O1 keeps the instrumented tests fast; line tables are all a sanitizer's stack traces need and
# compile much faster than full debug information; at -O1 clang leaves some `omp simd` loops
# unvectorised and would warn about each. No -march=native: a saved fuzzer input reproduces on
# any x86-64 machine.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -Wno-pass-failed" -DRELUNET_FUZZ=ON \
  -DRELUNET_NATIVE=OFF -DRELUNET_MPI=OFF
if [[ $# -gt 0 ]]; then
  cmake --build build-asan --target "$@"
else
  cmake --build build-asan
fi
