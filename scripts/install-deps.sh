#!/usr/bin/env bash
# install-deps.sh — install the Debian packages relunet builds, tests, fuzzes and plots with.
# Uses sudo when not run as root. Safe to run again: apt-get skips what is installed.
# --pytorch also installs what scripts/bench-vs-pytorch needs besides: Debian's OpenBLAS.
set -euo pipefail

# One line per need, with what needs it: a new dependency is one more line.
packages=(
  build-essential cmake ninja-build                                 # the build
  libdnnl-dev                                                       # oneDNN 2.x
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev  # reading images
  libcli11-dev libspdlog-dev nlohmann-json3-dev zlib1g-dev          # CLI, logs, JSON, CRC
  libgtest-dev libgmock-dev                                         # scripts/test.sh
  openmpi-bin libopenmpi-dev                                        # data-parallel training (mpirun)
  libonnx-dev libprotobuf-dev libopencv-dnn-dev                     # export/import; the OpenCV DNN test
  python3 python3-matplotlib                                        # scripts/plot-run, exp-*
  python3-onnx python3-torch                                        # tests: onnx.checker, a PyTorch model to import
  clang libclang-rt-14-dev libomp-dev  # fuzz.sh, test-sanitizers.sh: libFuzzer, ASan, OpenMP
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
