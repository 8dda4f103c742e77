#!/usr/bin/env bash
# install-deps.sh — install the Debian packages relunet builds, tests, fuzzes and plots with.
# Uses sudo when not run as root. Safe to run again: apt-get skips what is installed.
# --pytorch also installs what scripts/bench-vs-pytorch needs besides: Debian's OpenBLAS.
set -euo pipefail

packages=(
  build-essential cmake ninja-build
  libdnnl-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libcli11-dev libspdlog-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev
  libonnx-dev libprotobuf-dev libopencv-dnn-dev  # relunet export/import; the OpenCV DNN test
  python3 python3-matplotlib
  python3-onnx python3-torch  # tests: onnx.checker on exported models; a PyTorch model to import
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes
)
case "${1:-}" in
  "") ;;
  --pytorch) packages+=(libopenblas0-pthread) ;;
  *) echo "usage: scripts/install-deps.sh [--pytorch]" >&2; exit 2 ;;
esac
as_root=()
if [[ $(id -u) -ne 0 ]]; then as_root=(sudo); fi
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "${packages[@]}"
