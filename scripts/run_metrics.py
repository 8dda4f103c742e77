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
