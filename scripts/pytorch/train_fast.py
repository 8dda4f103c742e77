#!/usr/bin/python3
"""train_fast.py — the PyTorch anchor: `relunet train` of a model file and its recipe, in PyTorch.

    scripts/pytorch/train_fast.py [--model alexnet-cifar-fast] [--data DIR] [--out RUN_DIR]
                                  [--time-budget MIN] [--threads T] [recipe options ...]

The network is built from the same model file relunet reads (relunet_model.py: patch-whitening,
frozen and dirac convs, batch norm without scale, output scale), trained on the same CIFAR-10
binary batches with the same validation split (relunet_split.py reproduces relunet's seeded
shuffle exactly: the same 5,000 images), the same input normalisation (per-channel mean and
standard deviation of the training split), the same recipe (the model file's "recipe", which
explicit options override, with relunet train's flag names and defaults), the same threads and
the same time-budget fitting, and writes RUN_DIR/metrics.jsonl with relunet's field names, so
that scripts/time-to-accuracy compares the two. Random draws (initial weights, epoch order,
augmentation) come from torch's generator, seeded with --seed: the same distributions as
relunet's, not the same numbers.

It runs itself in the environment scripts/bench-vs-pytorch uses: --threads OpenMP and OpenBLAS
threads (torch.set_num_threads too) and Debian's OpenBLAS (--blas openblas, checked).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch_env

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CIFAR_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
RECORD_BYTES = 3073  # label byte + 3 x 32 x 32 pixels
REEXEC_MARK = "RELUNET_TRAIN_FAST_ENV"

# relunet train's run-defining options that this script translates, with relunet's defaults
# (app/cmd_train.cpp); a model file's "recipe" may set any of them. A recipe option not listed
# here is an error: the anchor never silently trains another recipe.
RECIPE = {
    "epochs": (int, 30), "batch": (int, 128), "lr": (float, 0.1),
    "schedule": (str, "one-cycle"), "warmup": (float, -1.0), "lr-div": (float, 25.0),
    "lr-final": (float, 1e-3), "step-epochs": (int, 10), "gamma": (float, 0.1),
    "momentum": (float, 0.9), "nesterov": (bool, False), "weight-decay": (float, 5e-4),
    "decay-mode": (str, "l2"), "bias-lr-scale": (float, 1.0), "bias-decay": (float, 0.0),
    "norm-lr-scale": (float, 1.0), "norm-decay": (float, 0.0),
    "label-smoothing": (float, 0.0), "seed": (int, 1), "val-size": (int, 5000),
    "crop-pad": (int, 4), "crop-fill": (str, "zero"), "no-flip": (bool, False),
    "flip-mode": (str, "random"), "cutout": (int, 0), "time-budget": (float, 0.0),
    "average": (str, "none"), "average-every": (int, 5), "average-decay": (float, 0.95),
    "average-ramp": (float, 3.0), "average-start": (int, 3), "tta": (str, "none"),
}
CHOICES = {"schedule": ("constant", "step", "cosine", "one-cycle", "triangle"),
           "decay-mode": ("l2", "decoupled"), "crop-fill": ("zero", "reflect"),
           "flip-mode": ("random", "alternating"), "average": ("none", "ema", "lookahead"),
           "tta": ("none", "flip", "flip-shift")}
# relunet train options that do not change what is trained: accepted in a recipe, ignored here.
NOT_TRAINING = {"no-unit-stats", "no-gradient-stats", "near-dead"}


class Failure(Exception):
    pass


# --- options -----------------------------------------------------------------------------------

def parse_args():
    p = argparse.ArgumentParser(prog="scripts/pytorch/train_fast.py",
                                description=__doc__.split("\n\n")[2].replace("\n", " "))
    p.add_argument("--model", default="alexnet-cifar-fast",
                   help="model name in models/ or a model file path (default: %(default)s)")
    p.add_argument("--data", help="CIFAR-10 binary batches (default: $RELUNET_DATA or "
                                  "data/cifar-10-batches-bin)")
    p.add_argument("--out", help="run directory (default: runs/pytorch-MODEL); must not hold a run")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                   help="threads (default: the cores this process may use, %(default)s)")
    p.add_argument("--blas", choices=torch_env.BLAS_CHOICES, default="openblas",
                   help="Debian's OpenBLAS, or the system's libblas.so.3 (default: %(default)s)")
    p.add_argument("--subset", type=int, metavar="N",
                   help="only the first N images of each training batch file, for smoke tests "
                        "(relunet on a directory of such files splits them the same way)")
    p.add_argument("--memory-format", choices=("channels_last", "nchw"), default="channels_last",
                   help="PyTorch tensor layout in training and evaluation (default: %(default)s)")
    recipe = p.add_argument_group("recipe options (relunet train's names and defaults; the model "
                                  "file's recipe sets those not given)")
    for name, (kind, default) in RECIPE.items():
        if kind is bool:
            recipe.add_argument(f"--{name}", action="store_const", const=True, default=None,
                                help="(relunet default: off)")
        else:
            recipe.add_argument(f"--{name}", type=kind, default=None, choices=CHOICES.get(name),
                                help=f"(relunet default: {default:g})" if kind is float
                                else f"(relunet default: {default})")
    args = p.parse_args()
    for name in ("threads", "subset"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    return args


def model_path(name):
    """The file relunet reads for --model NAME: a path, else models/NAME.json."""
    path = name if os.path.isfile(name) else os.path.join(REPO, "models", name + ".json")
    if not os.path.isfile(path):
        raise Failure(f"no model file {name!r} (neither a file nor models/{name}.json)")
    return path


def recipe_value(name, value, source):
    kind = RECIPE[name][0]
    try:
        if kind is bool:
            if isinstance(value, str) and value in ("true", "false"):
                value = value == "true"
            if not isinstance(value, bool):
                raise ValueError("not a boolean")
            return value
        if isinstance(value, bool) or (kind is int and isinstance(value, float)
                                       and not value.is_integer()):
            raise ValueError(f"{value!r} is not {'an integer' if kind is int else 'a number'}")
        value = kind(value)
    except (TypeError, ValueError) as error:
        raise Failure(f"{source}: option \"{name}\": {error}") from None
    if name in CHOICES and value not in CHOICES[name]:
        raise Failure(f"{source}: option \"{name}\": {value!r} is not one of {CHOICES[name]}")
    return value


def resolve_options(args, path, recipe):
    """relunet's precedence: an option given on the command line, else the recipe's value, else
    relunet's default; with --time-budget a recipe's "epochs" does not apply."""
    options = {name: default for name, (_, default) in RECIPE.items()}
    for name, value in recipe.items():
        if name in NOT_TRAINING:
            continue
        if name not in RECIPE:
            raise Failure(f"{path}: recipe option \"{name}\" has no PyTorch translation in "
                          "scripts/pytorch/train_fast.py")
        options[name] = recipe_value(name, value, f"{path}: recipe")
    given = {name: getattr(args, name.replace("-", "_")) for name in RECIPE}
    for name, value in given.items():
        if value is not None:
            options[name] = value
    if options["time-budget"] > 0 and given["epochs"] is None:
        options["epochs"] = RECIPE["epochs"][1]  # the cap of the budget's epoch count
    if options["warmup"] < 0:  # the schedule's own default, as relunet's LrSchedule
        options["warmup"] = 0.3 if options["schedule"] in ("one-cycle", "triangle") else 0.0
    return options


# --- data --------------------------------------------------------------------------------------

def data_directory(flag):
    return flag or os.environ.get("RELUNET_DATA") or "data/cifar-10-batches-bin"


def read_cifar(directory, np, subset=None):
    """The five training batches (the first `subset` records of each, if given): uint8 images
    N x 3 x 32 x 32 (RGB planes) and labels."""
    chunks = []
    for name in CIFAR_FILES:
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as error:
            raise Failure(f"cannot read CIFAR-10 file {path}: {error.strerror}; get CIFAR-10 "
                          "with scripts/get-cifar10.sh or pass --data DIR") from None
        if not raw or len(raw) % RECORD_BYTES:
            raise Failure(f"CIFAR-10 file {path} has {len(raw)} bytes, not a whole number of "
                          f"{RECORD_BYTES}-byte records")
        chunks.append(np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD_BYTES)[:subset])
    records = np.concatenate(chunks)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise Failure(f"{directory}: a label is {labels.max()}, CIFAR-10 labels are 0-9")
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def normalization(images):
    """Per-channel mean and standard deviation of pixel/255 over the images, as relunet's
    compute_normalization (population variance; a constant channel is left unscaled)."""
    pixels = images.transpose(1, 0, 2, 3).reshape(3, -1).astype("float64")
    mean = pixels.mean(axis=1) / 255
    std = (pixels ** 2).mean(axis=1) / 255 ** 2 - mean ** 2
    std = [math.sqrt(v) if v > 0 else 1.0 for v in std.clip(min=0)]
    return [float(m) for m in mean], std


class Normalizer:
    """uint8 images to the network input, (v/255 - mean[c]) / std[c], as relunet's table."""

    def __init__(self, torch, mean, std):
        v = torch.arange(256, dtype=torch.float64)[None, :] / 255
        self.table = ((v - torch.tensor(mean)[:, None]) / torch.tensor(std)[:, None]).float()

    def __call__(self, images):  # N x 3 x H x W uint8 -> float32
        return self.table[torch_ref.arange(3)[None, :, None, None], images.long()]


# --- the time budget, as relunet's trainer --------------------------------------------------------

class BudgetPlan:
    """relunet's time-budget plan (src/train/budget_plan.hpp): the most optimiser steps, at most
    max_steps, that end the run by `target` of the budget, counting the training steps still to
    take, the validation after every epoch end still to come (the last epoch may be partial) and
    the extra test-time-augmentation views of the last validation. Planned from a few timed steps
    first, then again after every epoch and about ten times within one, from measured speeds."""

    def __init__(self, budget_seconds, steps_per_epoch, max_steps, target=0.985):
        self.deadline = budget_seconds * target
        self.per_epoch, self.max_steps = max(steps_per_epoch, 1), max(max_steps, 1)

    def seconds_left(self, step, speed, total):
        ends = -(-total // self.per_epoch) - step // self.per_epoch
        return ((total - step) * speed["step_seconds"] + ends * speed["epoch_end_seconds"]
                + speed["final_extra_seconds"])

    def total_steps(self, elapsed, step, speed):
        least = max(step, 1)
        lo, hi = least, max(least, self.max_steps)
        if elapsed + self.seconds_left(step, speed, hi) <= self.deadline:
            return hi
        while lo < hi:  # the time left grows with the total: the largest that fits
            mid = lo + (hi - lo + 1) // 2
            if elapsed + self.seconds_left(step, speed, mid) <= self.deadline:
                lo = mid
            else:
                hi = mid - 1
        return lo


def lr_at(o, step, total_steps, steps_per_epoch):
    """relunet's LrSchedule::at: the schedule is a function of the fraction of planned steps."""
    lr, t, warm = o["lr"], min(1.0, step / max(total_steps, 1)), o["warmup"]
    kind = o["schedule"]
    u = 1.0 if warm >= 1.0 else (t - warm) / (1.0 - warm)
    final = lr * o["lr-final"]
    if kind == "constant":
        return lr
    if kind == "step":
        return lr * o["gamma"] ** (step // max(steps_per_epoch, 1) // max(o["step-epochs"], 1))
    if kind == "cosine":
        if t < warm:
            return lr * t / warm
        return final + 0.5 * (lr - final) * (1 + math.cos(math.pi * u))
    start = lr / o["lr-div"]
    if t < warm:
        return start + (lr - start) * t / warm
    if kind == "one-cycle":
        return final + 0.5 * (lr - final) * (1 + math.cos(math.pi * u))
    return lr + (final - lr) * u  # triangle


# --- everything that needs torch -----------------------------------------------------------------

torch_ref = None  # the torch module, imported in main() after the environment is set


class WeightAverage:
    """relunet's weight average (src/optim/weight_average.hpp): every `every` steps from epoch
    `start` on, rho = decay^every * progress^ramp, average = rho average + (1 - rho) w (the first
    update copies w); lookahead copies the average back into the network at every update and at
    the end of every epoch. Every float tensor of the model, running statistics included."""

    def __init__(self, model, o):
        self.kind, self.every, self.decay = o["average"], o["average-every"], o["average-decay"]
        self.ramp, self.start = o["average-ramp"], o["average-start"]
        self.tensors = [t for t in model.state_dict().values() if t.is_floating_point()]
        self.average = None

    def after_step(self, step, epoch, total_steps):
        if self.kind == "none" or epoch < self.start or step % self.every:
            return
        with torch_ref.no_grad():
            if self.average is None:
                self.average = [t.clone() for t in self.tensors]
            else:
                rho = self.decay ** self.every * (step / total_steps) ** self.ramp
                for a, t in zip(self.average, self.tensors):
                    a.lerp_(t, 1 - rho)
            if self.kind == "lookahead":
                self.copy_back()

    def end_epoch(self):
        if self.kind == "lookahead" and self.average is not None:
            self.copy_back()

    def copy_back(self):
        with torch_ref.no_grad():
            for a, t in zip(self.average, self.tensors):
                t.copy_(a)

    def swap(self):
        """EMA: exchanges the network's tensors and the average (evaluation uses the average)."""
        if self.kind != "ema" or self.average is None:
            return
        with torch_ref.no_grad():
            for a, t in zip(self.average, self.tensors):
                held = t.clone()
                t.copy_(a)
                a.copy_(held)


class Augmenter:
    """relunet's training augmentation on whole batches: a translation by up to +-pad pixels
    (a random crop of the image padded with zeros, black before normalisation, or with its
    reflection), then a horizontal flip, random (probability 1/2 every epoch) or alternating (a
    random half in the first epoch, then every image switches every epoch); cutout after the
    normalisation, which makes the mean colour zero."""

    def __init__(self, images, o, generator, np):
        torch = torch_ref
        self.pad, self.size = o["crop-pad"], images.shape[-1]
        self.flip = not o["no-flip"]
        self.cutout = o["cutout"]
        self.mode, self.generator = o["flip-mode"], generator
        mode = "reflect" if o["crop-fill"] == "reflect" else "constant"  # numpy's reflect: dcb|abcd
        pad = ((0, 0), (0, 0), (self.pad, self.pad), (self.pad, self.pad))
        self.images = torch.from_numpy(np.pad(images, pad, mode=mode))
        self.orientation = torch.rand(len(images), generator=generator) < 0.5

    def batch(self, indices, epoch):
        torch = torch_ref
        n, size, pad = len(indices), self.size, self.pad
        if pad:
            dy, dx = (torch.randint(0, 2 * pad + 1, (2, n), generator=self.generator))
            rows = (dy[:, None] + torch.arange(size)[None, :])[:, None, :, None]
            cols = (dx[:, None] + torch.arange(size)[None, :])[:, None, None, :]
            out = self.images[indices[:, None, None, None], torch.arange(3)[None, :, None, None],
                              rows, cols]
        else:
            out = self.images[indices]
        if self.flip:
            flipped = (self.orientation[indices] ^ bool(epoch % 2) if self.mode == "alternating"
                       else torch.rand(n, generator=self.generator) < 0.5)
            out = torch.where(flipped[:, None, None, None], out.flip(-1), out)
        return out

    def cut_out(self, x):
        """Zeroes a random cutout x cutout square inside each normalised image."""
        torch, side = torch_ref, self.cutout
        if not side:
            return x
        n, size = x.shape[0], x.shape[-1]
        y0, x0 = torch.randint(0, size - side + 1, (2, n), generator=self.generator)
        r = torch.arange(size)[None, :]
        rows = (r >= y0[:, None]) & (r < y0[:, None] + side)
        cols = (r >= x0[:, None]) & (r < x0[:, None] + side)
        return x.masked_fill((rows[:, :, None] & cols[:, None, :])[:, None], 0.0)


def tta_logits(model, x, mode):
    """relunet's test-time augmentation (src/train/tta.hpp), logits averaged over the views:
    flip, the image and its mirror (1/2 each); flip-shift, as airbench94, the image and its
    mirror (1/4 each) and both shifted by one pixel up-left and down-right with a reflected
    border (1/8 each)."""
    both = lambda v: model(v) + model(v.flip(-1))  # noqa: E731
    if mode == "none":
        return model(x)
    if mode == "flip":
        return 0.5 * both(x)
    padded = torch_ref.nn.functional.pad(x, (1,) * 4, mode="reflect")
    h, w = x.shape[-2:]
    shifted = both(padded[:, :, :h, :w]) + both(padded[:, :, 2:, 2:])
    return 0.25 * both(x) + 0.125 * shifted


def evaluate(model, images, labels, normalize, o, layout, tta="none"):
    torch = torch_ref
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.inference_mode():
        for start in range(0, len(images), o["batch"]):
            x = normalize(images[start:start + o["batch"]]).contiguous(memory_format=layout)
            y = labels[start:start + o["batch"]]
            logits = tta_logits(model, x, tta)
            loss_sum += torch.nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    return loss_sum / len(images), correct / len(images)


def median_seconds(warmup, runs, step):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Progress:
    """A progress line with ETA on stderr, only when it is a terminal."""

    def __init__(self, label, total):
        self.label, self.total, self.start = label, total, time.monotonic()
        self.active = sys.stderr.isatty()

    def update(self, done, text):
        if self.active:
            eta = (time.monotonic() - self.start) / done * (self.total - done)
            sys.stderr.write(f"\r{self.label}: {done}/{self.total} {text} ETA {eta:.0f}s\033[K")
            sys.stderr.flush()

    def finish(self):
        if self.active:
            sys.stderr.write("\r\033[K")


def log(message):
    print(f"train_fast: {message}", file=sys.stderr, flush=True)


def train(args):
    torch = torch_ref
    import numpy as np
    import relunet_model
    import relunet_split

    setup_start = time.monotonic()
    torch.set_num_threads(args.threads)
    blas, blas_library = torch_env.loaded_blas()
    if args.blas == "openblas" and blas != "openblas":
        raise Failure(f"PyTorch loaded {blas_library}, not OpenBLAS, although openblas-pthread "
                      "was first on LD_LIBRARY_PATH")
    path = model_path(args.model)
    try:
        doc = relunet_model.read(path)
    except relunet_model.ModelError as error:
        raise Failure(str(error)) from None
    o = resolve_options(args, path, doc.get("recipe", {}))
    out = args.out or os.path.join("runs", "pytorch-" + os.path.splitext(os.path.basename(path))[0])
    if os.path.exists(os.path.join(out, "metrics.jsonl")):
        raise Failure(f"{out} already holds a run (metrics.jsonl): choose another --out")
    layout = (torch.channels_last if args.memory_format == "channels_last"
              else torch.contiguous_format)

    data = data_directory(args.data)
    images, labels = read_cifar(data, np, args.subset)
    try:
        train_idx, val_idx = relunet_split.split_train_val(len(images), o["val-size"], o["seed"])
    except ValueError as error:
        raise Failure(f"--val-size {o['val-size']}: {error}") from None
    if len(train_idx) < o["batch"]:
        raise Failure(f"--batch {o['batch']} is more than the {len(train_idx)} training images "
                      f"in {data}")
    mean, std = normalization(images[train_idx])
    normalize = Normalizer(torch, mean, std)
    train_images = torch.from_numpy(images[train_idx].copy())
    train_labels = torch.from_numpy(labels[train_idx].copy())
    val_images = torch.from_numpy(images[val_idx].copy())
    val_labels = torch.from_numpy(labels[val_idx].copy())

    torch.manual_seed(o["seed"])
    try:
        model, shape, classes = relunet_model.load(path)
    except relunet_model.ModelError as error:
        raise Failure(str(error)) from None
    if shape != (3, 32, 32) or classes != 10:
        raise Failure(f"{path}: the anchor trains 3x32x32 CIFAR-10 models with 10 classes")
    model = model.to(memory_format=layout)
    steps_per_epoch = len(train_idx) // o["batch"]  # the short last batch is dropped, as relunet
    val_batches = math.ceil(len(val_idx) / o["batch"])
    log(f"model {path}: {relunet_model.parameter_count(model):,} parameters; {len(train_idx)} "
        f"training and {len(val_idx)} validation images; batch {o['batch']}; {args.threads} "
        f"threads; torch {torch.__version__}, BLAS {blas} ({blas_library})")

    total_steps = o["epochs"] * steps_per_epoch
    plan, speed = None, {}
    tta_views = {"none": 1, "flip": 2, "flip-shift": 6}[o["tta"]]
    if o["time-budget"] > 0:  # timed as relunet: a few steps without optimiser steps
        relunet_model.initialize(model)
        x = normalize(train_images[:o["batch"]]).contiguous(memory_format=layout)
        y = train_labels[:o["batch"]]

        def train_step():
            model.train()
            loss = torch.nn.functional.cross_entropy(model(x), y,
                                                     label_smoothing=o["label-smoothing"])
            model.zero_grad(set_to_none=True)
            loss.backward()

        def infer_step():
            model.eval()
            with torch.inference_mode():
                model(x)
        plan = BudgetPlan(o["time-budget"] * 60, steps_per_epoch, o["epochs"] * steps_per_epoch)
        val_seconds = median_seconds(1, 5, infer_step) * val_batches
        speed = {"step_seconds": median_seconds(2, 7, train_step), "val_seconds": val_seconds,
                 "epoch_end_seconds": val_seconds,
                 "final_extra_seconds": val_seconds * (tta_views - 1)}
        total_steps = plan.total_steps(0.0, 0, speed)
        log(f"time budget {o['time-budget']:.1f} min: ~{speed['step_seconds']:.3g} s per step "
            f"-> {total_steps} steps ({-(-total_steps // steps_per_epoch)} epochs)")
    relunet_model.initialize(model)  # again after timing, which moved batch-norm statistics
    setup_seconds = time.monotonic() - setup_start

    # The run's clock starts here, as relunet's: patch whitening is part of the run.
    run_start = time.monotonic()
    if relunet_model.whitening_layer(model) is not None:
        sample = train_images[:relunet_model.WHITENING_IMAGES]
        relunet_model.whiten(model, normalize(sample))
        log(f"patch whitening: statistics of {len(sample)} training images in "
            f"{time.monotonic() - run_start:.1f} s")

    groups = relunet_model.parameter_groups(model)
    decoupled = o["decay-mode"] == "decoupled"
    settings = {"weight": (1.0, o["weight-decay"]), "bias": (o["bias-lr-scale"], o["bias-decay"]),
                "norm": (o["norm-lr-scale"], o["norm-decay"]), "slope": (1.0, 0.0)}
    optimizer = torch.optim.SGD(
        [{"params": groups[g], "lr_scale": settings[g][0], "decay": settings[g][1],
          "weight_decay": 0.0 if decoupled else settings[g][1]} for g in groups if groups[g]],
        lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"])
    average = WeightAverage(model, o)
    generator = torch.Generator().manual_seed(o["seed"])
    augment = Augmenter(images[train_idx], o, generator, np)

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "run.json"), "w", encoding="utf-8") as f:
        json.dump({"command": sys.argv, "model_file": path, "data": data, "options": o,
                   "steps_planned": total_steps, "threads": torch.get_num_threads(),
                   "memory_format": args.memory_format, "torch": torch.__version__,
                   "blas": blas, "blas_library": blas_library, "normalization":
                   {"mean": mean, "std": std}, "train_images": len(train_idx),
                   "val_images": len(val_idx), "val_indices_first": val_idx[:10],
                   "setup_seconds": setup_seconds}, f, indent=1)
    metrics = open(os.path.join(out, "metrics.jsonl"), "w", encoding="utf-8")

    step, epoch, best = 0, 0, -1.0
    replan_every = max(3, steps_per_epoch // 10)

    def epochs_of(steps):
        return -(-steps // steps_per_epoch)

    def replan():
        nonlocal total_steps
        total_steps = plan.total_steps(time.monotonic() - run_start, step, speed)

    while step < total_steps:
        epoch_start = time.monotonic()
        epochs_planned = epochs_of(total_steps)
        order = torch.randperm(len(train_idx), generator=generator)
        model.train()
        loss_sum, correct, seen, data_wait = 0.0, 0, 0, 0.0
        progress = Progress(f"epoch {epoch + 1}", steps_per_epoch)
        lr = lr_at(o, step, total_steps, steps_per_epoch)
        window_start, window_step = time.monotonic(), step

        def measure_steps():
            """The speed since the window started, half-weighted with the one before it."""
            nonlocal window_start, window_step
            if step == window_step:
                return
            now = (time.monotonic() - window_start) / (step - window_step)
            before = speed["step_seconds"]
            speed["step_seconds"] = 0.5 * (before + now) if before > 0 else now
            window_start, window_step = time.monotonic(), step
        b = 0
        while step < total_steps and b < steps_per_epoch:
            wait_start = time.monotonic()
            indices = order[b * o["batch"]:(b + 1) * o["batch"]]
            x = augment.cut_out(normalize(augment.batch(indices, epoch))).contiguous(memory_format=layout)
            y = train_labels[indices]
            data_wait += time.monotonic() - wait_start
            logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits, y,
                                                     label_smoothing=o["label-smoothing"])
            if not math.isfinite(loss.item()):
                raise Failure(f"training diverged: the loss is {loss.item()} at epoch "
                              f"{epoch + 1}, batch {b + 1}; try a lower learning rate than "
                              f"--lr {o['lr']:g}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            lr = lr_at(o, step, total_steps, steps_per_epoch)
            with torch.no_grad():
                for group in optimizer.param_groups:
                    group["lr"] = lr * group["lr_scale"]
                    if decoupled and group["decay"]:
                        for p in group["params"]:
                            p.mul_(1 - group["lr"] * group["decay"])
            optimizer.step()
            step += 1
            b += 1
            average.after_step(step, epoch, total_steps)
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            if plan and b % replan_every == 0 and b < steps_per_epoch:
                measure_steps()
                replan()
            progress.update(b, f"loss {loss_sum / seen:.4f} acc {100 * correct / seen:.2f}%")
        progress.finish()
        if plan:
            measure_steps()
        epoch_end_start = time.monotonic()
        average.end_epoch()
        train_seconds = time.monotonic() - epoch_start
        epoch += 1
        last = step >= total_steps
        val_tta = o["tta"] if last else "none"  # the run's last validation
        val_start = time.monotonic()
        average.swap()
        val_loss, val_accuracy = evaluate(model, val_images, val_labels, normalize, o, layout,
                                          val_tta)
        average.swap()
        if plan and not last:
            speed["val_seconds"] = time.monotonic() - val_start
            speed["final_extra_seconds"] = speed["val_seconds"] * (tta_views - 1)
        elapsed = time.monotonic() - run_start
        record = {"epoch": epoch, "step": step, "lr": lr, "train_loss": loss_sum / seen,
                  "train_accuracy": correct / seen, "images_per_second": seen / train_seconds,
                  "epoch_seconds": time.monotonic() - epoch_start,
                  "data_wait_seconds": data_wait, "elapsed_seconds": elapsed}
        if plan:
            record["planned_steps"] = total_steps
        record.update(val_loss=val_loss, val_accuracy=val_accuracy, val_tta=val_tta)
        metrics.write(json.dumps(record) + "\n")
        metrics.flush()
        mark = " *" if val_accuracy > best else ""
        mark += "" if val_tta == "none" else f" (TTA {val_tta})"
        best = max(best, val_accuracy)
        log(f"epoch {epoch}/{epochs_of(total_steps)}: train loss {loss_sum / seen:.4f} acc "
            f"{100 * correct / seen:.2f}% | val loss {val_loss:.4f} acc "
            f"{100 * val_accuracy:.2f}%{mark} | lr "
            f"{lr:.4g} | {seen / train_seconds:.0f} img/s | {elapsed:.0f}s")
        if plan and not last:
            speed["epoch_end_seconds"] = time.monotonic() - epoch_end_start
            replan()
            if epochs_of(total_steps) != epochs_planned:
                log(f"time budget: {speed['step_seconds']:.3g} s per step, "
                    f"{speed['epoch_end_seconds']:.3g} s per epoch end -> "
                    f"{epochs_of(total_steps)} epochs ({total_steps} steps) instead of "
                    f"{epochs_planned}")
    metrics.close()
    log(f"done: best validation accuracy {100 * best:.2f}%; metrics in "
        f"{os.path.join(out, 'metrics.jsonl')}")


def main():
    global torch_ref
    args = parse_args()
    # Threads and BLAS are fixed when the process starts: run again in the right environment.
    if os.environ.get(REEXEC_MARK) != f"{args.threads}:{args.blas}":
        env = torch_env.torch_environment(args.threads, args.blas)
        env[REEXEC_MARK] = f"{args.threads}:{args.blas}"
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    try:
        import torch
    except ImportError:
        raise Failure(f"PyTorch is not installed for {sys.executable}: sudo apt-get install "
                      "python3-torch libopenblas0-pthread, and run the script itself (its first "
                      "line picks Debian's /usr/bin/python3)") from None
    torch_ref = torch
    train(args)


if __name__ == "__main__":
    try:
        main()
    except (Failure, torch_env.EnvError) as error:
        sys.exit(f"train_fast: {error}")
    except KeyboardInterrupt:
        sys.exit("train_fast: interrupted")
