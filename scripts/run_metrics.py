"""run_metrics.py — reading a run directory's metrics.jsonl (one JSON object per epoch), as
written by `relunet train` and by the PyTorch anchor (scripts/pytorch/train_fast.py).

Standard library only, so that scripts which read runs work without matplotlib or PyTorch.
"""
import json
import os


class MetricsError(Exception):
    """A run directory whose metrics cannot be read; the message names the file and line."""


def metrics_path(run_dir):
    return os.path.join(run_dir, "metrics.jsonl")


def read_metrics(run_dir, allow_empty=False):
    """The run's epoch records in epoch order; the last line wins for a repeated epoch (a resumed
    run rewrites the epochs after its checkpoint)."""
    path = metrics_path(run_dir)
    if not os.path.isfile(path):
        raise MetricsError(f"{path} does not exist (is {run_dir} a run directory written by "
                           "`relunet train`?)")
    records = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise MetricsError(f"{path}, line {number}: invalid JSON: {e}") from None
            if not isinstance(record, dict) or not isinstance(record.get("epoch"), int) \
                    or isinstance(record.get("epoch"), bool):
                raise MetricsError(f'{path}, line {number}: not an epoch record (no integer '
                                   '"epoch" field)')
            records[record["epoch"]] = record
    if not records and not allow_empty:
        raise MetricsError(f"{path} has no epoch records yet (the run has not finished an epoch)")
    return [records[e] for e in sorted(records)]


GRADIENT_FIGURES = ("weight_grad_norm", "update_ratio", "act_grad_norm", "act_grad_zero_fraction")


def gradient_series(records):
    """The gradient-flow statistics of a run, per layer: (epochs, {layer: {figure: [value per
    epoch]}}), layers in network order. Epoch 0 is the run's first training step (its
    "gradients_at_init"), when the records have it; a missing figure (no activation after the
    output layer, no update) is None. Empty when the run was trained with --no-gradient-stats."""
    rows = []
    for r in records:
        if r.get("gradients_at_init"):
            rows.append((0, r["gradients_at_init"]))
        if r.get("gradients"):
            rows.append((r["epoch"], r["gradients"]))
    rows.sort(key=lambda row: row[0])
    layers = {}
    for col, (_, reports) in enumerate(rows):
        for g in reports:
            series = layers.setdefault(g["name"], {f: [None] * len(rows) for f in GRADIENT_FIGURES})
            for f in GRADIENT_FIGURES:
                series[f][col] = g.get(f)
    return [epoch for epoch, _ in rows], layers
