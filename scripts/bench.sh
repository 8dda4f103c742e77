#!/usr/bin/env bash
# bench.sh — the repeatable speed figure: `relunet bench --json` on alexnet-cifar at batch 128
# with 2 threads, run RUNS times (default 3), printing the median of every figure. A single
# bench run is already a median over repeats; running the whole process several times also
# smooths out process-level effects (memory placement, other load on the machine).
set -euo pipefail

usage() {
  cat <<USAGE
usage: scripts/bench.sh [RUNS] [extra relunet bench options...]

Runs \`relunet --threads 2 bench --model alexnet-cifar --batch 128 --json\` RUNS times (default 3)
and prints the median of each figure, and of each layer's times when --layers is given.
The binary is \$RELUNET_BIN if set, else build/relunet in the repository.
Example: scripts/bench.sh 5 --iters 20 --layers
USAGE
}

runs=3
if [[ $# -gt 0 && ( $1 == -h || $1 == --help ) ]]; then usage; exit 0; fi
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
if (( runs < 1 )); then echo "bench.sh: RUNS must be at least 1" >&2; exit 2; fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
relunet=${RELUNET_BIN:-$repo/build/relunet}
if [[ ! -x $relunet ]]; then
  echo "bench.sh: no relunet binary at $relunet; build it (cmake -S . -B build && cmake --build build)" \
       "or set RELUNET_BIN" >&2
  exit 1
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((run = 1; run <= runs; run++)); do
  echo "bench.sh: run $run of $runs" >&2
  "$relunet" --threads 2 bench --model alexnet-cifar --batch 128 --json "$@" >>"$results"
done

python3 - "$results" <<'PY'
import json, statistics, sys

runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
first = runs[0]
print(f"{first['model']}, batch {first['batch']}, {first['threads']} threads: "
      f"medians of {len(runs)} runs")
for key, value in first.items():
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        m = statistics.median(r[key] for r in runs)
        print(f"  {key:40s} {m:12.0f}" if isinstance(value, int) else f"  {key:40s} {m:12.3f}")
if first["layers"]:
    print(f"\n  {'layer':12s} {'type':10s} {'forward ms':>10s} {'backward ms':>11s}")
    for i, layer in enumerate(first["layers"]):
        fwd = statistics.median(r["layers"][i]["forward_ms"] for r in runs)
        bwd = statistics.median(r["layers"][i]["backward_ms"] for r in runs)
        print(f"  {layer['name']:12s} {layer['type']:10s} {fwd:10.3f} {bwd:11.3f}")
PY
