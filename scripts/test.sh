#!/usr/bin/env bash
# test.sh — build relunet (Release, into build/) and run every test under CTest.
# CMAKE_BUILD_PARALLEL_LEVEL and CTEST_PARALLEL_LEVEL (default 2) limit the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
# Tests run side by side; one OpenMP thread each keeps them from fighting over the cores.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ctest --test-dir build --output-on-failure -j "${CTEST_PARALLEL_LEVEL:-2}"
