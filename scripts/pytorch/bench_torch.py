"""bench_torch.py — one PyTorch measurement run for scripts/bench-vs-pytorch, in its own process
(the BLAS library and thread counts are chosen by the environment it is started with).

Times a relunet model file, translated by relunet_model.py, with the protocol of `relunet bench`:
`warmup` untimed calls, then `repeats` timed blocks of `iters` calls, each figure the median of
the blocks' rates (batch-1 latency: the median of repeats x iters single calls). Every
configuration gets its own copy of the same initial weights, and every timed call starts from a
dense NCHW float tensor, as relunet's does, so layout conversions are part of the time.
Prints one JSON object on stdout.
"""
import argparse
import copy
import json
import statistics
import sys
import time
import warnings

import torch
import torch.nn.functional as F
import torch.utils.mkldnn
from torch import nn

import relunet_model
import torch_env

LEARNING_RATE = 0.01  # as relunet bench: the cost of a step does not depend on it
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4   # relunet's default, on weights only
JIT_PROFILING_CALLS = 2

# Module types that run on MKL-DNN tensors once torch.utils.mkldnn.to_mkldnn has converted the
# model; anything else (LRN, Leaky ReLU, ELU, 1-D batch norm) runs on a dense copy in between.
MKLDNN_NATIVE = (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d, nn.AvgPool2d,
                 nn.Flatten, nn.Dropout, nn.Tanh, nn.Sigmoid)


def block_rates(call, images_per_call, o):
    for _ in range(o.warmup):
        call()
    rates = []
    for _ in range(o.repeats):
        start = time.perf_counter()
        for _ in range(o.iters):
            call()
        rates.append(images_per_call * o.iters / (time.perf_counter() - start))
    return statistics.median(rates)


def call_latency_ms(call, o):
    for _ in range(o.warmup):
        call()
    times = []
    for _ in range(o.repeats * o.iters):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def random_input(batch, shape):
    generator = torch.Generator().manual_seed(1)
    return torch.rand(batch, *shape, generator=generator) * 2 - 1  # like relunet's [-1, 1)


# --- training ---------------------------------------------------------------------------------

def sgd(model):
    weights = [p for p in model.parameters() if p.dim() > 1]
    others = [p for p in model.parameters() if p.dim() <= 1]  # biases, batch-norm scale/shift
    return torch.optim.SGD([{"params": weights, "weight_decay": WEIGHT_DECAY},
                            {"params": others, "weight_decay": 0.0}],
                           lr=LEARNING_RATE, momentum=MOMENTUM)


def training_step(base, batch, shape, classes, memory_format):
    model = copy.deepcopy(base).train().to(memory_format=memory_format)
    optimizer = sgd(model)
    x = random_input(batch, shape)
    labels = torch.randint(classes, (batch,), generator=torch.Generator().manual_seed(2))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x.to(memory_format=memory_format)), labels)
        loss.backward()
        optimizer.step()
    return step


TRAINING = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}


# --- inference --------------------------------------------------------------------------------

class DenseIsland(nn.Module):
    """Runs a module MKL-DNN tensors do not support on a dense copy of its input."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x.to_dense()).to_mkldnn()


def mkldnn_model(model):
    dense_only = [i for i, m in enumerate(model) if not isinstance(m, MKLDNN_NATIVE)]
    for i in dense_only:
        model[i] = DenseIsland(model[i])
    return torch.utils.mkldnn.to_mkldnn(model), sorted({type(model[i].module).__name__
                                                        for i in dense_only})


def inference_call(base, config, x):
    """A callable running the model on x in `config`, and a note on what the config did."""
    model = copy.deepcopy(base).eval()
    if config == "mkldnn":
        model, dense = mkldnn_model(model)
        note = f"dense: {', '.join(dense)}" if dense else ""
        return (lambda: model(x.to_mkldnn()).to_dense()), note
    channels_last = config.endswith("channels_last")
    layout = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=layout)
    if config.startswith("jit-freeze"):
        with torch.no_grad():
            model = torch.jit.freeze(torch.jit.trace(model, x.to(memory_format=layout)))
    elif config == "jit-optimize":
        with torch.no_grad():
            model = torch.jit.optimize_for_inference(torch.jit.trace(model, x))

    def call():
        with torch.inference_mode():
            return model(x.to(memory_format=layout))
    if config.startswith("jit"):
        # The profiling executor optimises the graph during its first calls: part of preparing
        # the model, as creating primitives is for relunet, not of the warm-up both sides get.
        for _ in range(JIT_PROFILING_CALLS):
            call()
    return call, ""


INFERENCE = ["eager", "eager-channels_last", "jit-freeze", "jit-freeze-channels_last",
             "jit-optimize", "mkldnn"]


# --- the environment --------------------------------------------------------------------------

def gemm_gflops(n=1024, calls=3):
    """torch.mm's speed, which is the BLAS's: a check that the BLAS named is the one in use."""
    a, b = torch.rand(n, n), torch.rand(n, n)
    torch.mm(a, b)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def environment(threads):
    blas, library = torch_env.loaded_blas()
    version = next((line.split("v", 1)[1].split()[0] for line in torch.__config__.show().split("\n")
                    if "MKL-DNN" in line and " v" in line), "unknown")
    return {"torch": torch.__version__, "onednn": version, "threads": torch.get_num_threads(),
            "requested_threads": threads, "blas": blas, "blas_library": library,
            "gemm_1024_gflops": gemm_gflops()}


def measure(args):
    base, shape, classes = relunet_model.load(args.model_file)
    result = {"parameters": relunet_model.parameter_count(base), "training": {}, "inference": {},
              "latency_ms": {}, "notes": {}, "failed": {}}
    if args.check_only:
        return result
    for name, layout in TRAINING.items():
        print(f"  pytorch training, {name}, batch {args.batch}", file=sys.stderr)
        step = training_step(base, args.batch, shape, classes, layout)
        result["training"][name] = block_rates(step, args.batch, args)
    x_batch, x_single = random_input(args.infer_batch, shape), random_input(1, shape)
    for config in INFERENCE:
        print(f"  pytorch inference, {config}, batch {args.infer_batch} and 1", file=sys.stderr)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer and mkldnn warnings are not results
                call, note = inference_call(base, config, x_batch)
                result["inference"][config] = block_rates(call, args.infer_batch, args)
                call, _ = inference_call(base, config, x_single)
                result["latency_ms"][config] = call_latency_ms(call, args)
            if note:
                result["notes"][config] = note
        except Exception as error:  # a path this PyTorch cannot take is a result, not a crash
            result["failed"][config] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-file", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--infer-batch", type=int, default=256)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--check-only", action="store_true",
                        help="translate the model and report the environment; time nothing")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    try:
        result = measure(args)
    except relunet_model.ModelError as error:
        sys.exit(f"bench-vs-pytorch: {error}")
    result.update(environment(args.threads))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
