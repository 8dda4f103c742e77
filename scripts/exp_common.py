"""exp_common.py — what the experiment scripts (scripts/exp-*) share: finding the relunet binary
and the data, cutting a smaller data set for --quick runs, running `relunet train` (reusing a run
that already finished with the same command, so a script can be re-run to redo only its report),
plain SGD training options and a learning-rate sweep, reading metrics.jsonl and setting up
matplotlib.

Needs Debian's python3-matplotlib (the scripts run with /usr/bin/python3 for that reason).
"""
import json
import os
import shlex
import subprocess
import sys
import time

from run_metrics import metrics_path, read_metrics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CIFAR_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
RECORD_BYTES = 3073  # label byte + 32x32x3 pixels


def fail(script, message):
    sys.exit(f"{script}: {message}")


def pyplot(script):
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        fail(script, "matplotlib is missing: install it with `apt-get install python3-matplotlib`")
    return plt


def find_relunet(script, path):
    binary = path or os.path.join(ROOT, "build", "relunet")
    if not os.access(binary, os.X_OK):
        fail(script, f"{binary} is not an executable: build relunet first "
                     "(cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build)")
    return binary


def find_data(script, path):
    data = path or os.environ.get("RELUNET_DATA") or os.path.join(ROOT, "data", "cifar-10-batches-bin")
    missing = [f for f in CIFAR_FILES + ["batches.meta.txt"] if not os.path.isfile(os.path.join(data, f))]
    if missing:
        fail(script, f"{data} lacks {', '.join(missing)}: get CIFAR-10 with scripts/get-cifar10.sh "
                     "or pass --data DIR")
    return data


def subset_data(data, out_dir, records_per_file):
    """A CIFAR-10 directory holding the first `records_per_file` images of each training batch."""
    os.makedirs(out_dir, exist_ok=True)
    for name in CIFAR_FILES:
        with open(os.path.join(data, name), "rb") as src:
            chunk = src.read(records_per_file * RECORD_BYTES)
        with open(os.path.join(out_dir, name), "wb") as dst:
            dst.write(chunk)
    with open(os.path.join(data, "batches.meta.txt"), "rb") as src, \
            open(os.path.join(out_dir, "batches.meta.txt"), "wb") as dst:
        dst.write(src.read())
    return out_dir


class Run:
    """One finished `relunet train`: its directory, epoch records and whether it diverged."""

    def __init__(self, run_dir, records, diverged, wall_seconds):
        self.dir = run_dir
        self.records = records
        self.diverged = diverged
        self.wall_seconds = wall_seconds


def train(script, relunet, threads, run_dir, args):
    """Runs `relunet --threads T train ARGS --out RUN_DIR` (log in RUN_DIR/train.log), or reuses
    RUN_DIR when a run with the very same command finished there before. A run that stops on a
    diverging loss is a result (diverged=True), any other failure ends the script."""
    command = [relunet, "--threads", str(threads), "train", *args, "--out", run_dir]
    done_file = os.path.join(run_dir, "done.json")
    if os.path.isfile(done_file):
        with open(done_file, encoding="utf-8") as f:
            done = json.load(f)
        if done["command"] == command[1:]:
            return Run(run_dir, _records_if_any(run_dir), done["diverged"], done["wall_seconds"])
    if os.path.isdir(run_dir):
        subprocess.run(["rm", "-rf", run_dir], check=True)
    os.makedirs(run_dir)
    log_path = os.path.join(run_dir, "train.log")
    print(f"  $ {shlex.join(command)}", flush=True)
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode
    wall = time.monotonic() - start
    with open(log_path, encoding="utf-8") as log:
        text = log.read()
    diverged = status != 0 and "training diverged" in text
    if status != 0 and not diverged:
        fail(script, f"relunet failed (exit {status}); the end of {log_path}:\n" + text[-2000:])
    with open(done_file, "w", encoding="utf-8") as f:
        json.dump({"command": command[1:], "diverged": diverged, "wall_seconds": wall}, f)
    return Run(run_dir, _records_if_any(run_dir), diverged, wall)


def _records_if_any(run_dir):
    return read_metrics(run_dir, allow_empty=True) if os.path.isfile(metrics_path(run_dir)) else []


def plain_sgd_args(model, data, activation, lr, epochs, val_size):
    """`relunet train` options for the pre-2015 setting the experiments compare activations in:
    SGD with momentum 0.9 at a constant learning rate, batch 128, no regularisation of any kind
    (no weight decay, augmentation or label smoothing), seed 1."""
    return ["--model", model, "--data", data, "--activation", activation,
            "--lr", str(lr), "--schedule", "constant", "--momentum", "0.9", "--batch", "128",
            "--weight-decay", "0", "--crop-pad", "0", "--no-flip", "--label-smoothing", "0",
            "--epochs", str(epochs), "--val-size", str(val_size), "--seed", "1"]


def train_error(record):
    return 1 - record["train_accuracy"]


def sweep(script, relunet, threads, out_dir, grids, args_for, epochs):
    """For each activation, trains at every learning rate of its grid (`args_for(activation, lr)`,
    in OUT/sweep/ACTIVATION-lrLR) and keeps the rate with the lowest training error at the end,
    the lower training loss breaking ties. Returns ({activation: {"lr", "at_grid_edge"}}, the
    table of every run)."""
    print(f"sweep: {epochs} epoch(s) per learning rate", flush=True)
    chosen, table = {}, []
    for activation, grid in grids.items():
        scores = {}
        for lr in grid:
            run = train(script, relunet, threads, os.path.join(out_dir, "sweep", f"{activation}-lr{lr}"),
                        args_for(activation, lr))
            ok = run.records and not run.diverged
            error = train_error(run.records[-1]) if ok else float("inf")
            scores[lr] = (error, run.records[-1]["train_loss"] if ok else float("inf"))
            table.append({"activation": activation, "lr": lr, "train_error": error,
                          "diverged": run.diverged, "wall_seconds": run.wall_seconds})
            print(f"  {activation:15} lr {lr:<5}: training error "
                  f"{'diverged' if run.diverged else f'{100 * error:.2f}%'}", flush=True)
        best = min(grid, key=lambda lr: (scores[lr], lr))
        if scores[best][0] == float("inf"):
            fail(script, f"every {activation} learning rate diverged: {grid}")
        chosen[activation] = {"lr": best, "at_grid_edge": best in (grid[0], grid[-1])}
    return chosen, table


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
