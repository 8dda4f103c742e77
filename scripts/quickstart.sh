#!/usr/bin/env bash
# quickstart.sh — README's first command: install the dependencies, build relunet (Release, into
# build/), then classify the sample images with the model shipped in models/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target relunet  # the tests are built by scripts/test.sh
echo
echo "relunet classify models/samples (with the shipped model, models/default.ckpt):"
./build/relunet classify models/samples
