"""relunet_model.py — a relunet model file (models/*.json) as a PyTorch nn.Sequential.

Built from the same JSON file relunet reads, so the two benchmarks can never describe different
networks. The file is assumed valid (relunet checks it first); anything this translator does
not know is an error rather than a guess. Shapes are left to PyTorch's lazy modules, so the only
rule repeated here is the one the layer types themselves state: an fc layer flattens a spatial
input, and batch norm is per channel on a spatial input and per unit after fc or flatten.
"""
import json
import warnings

import torch
from torch import nn


class ModelError(Exception):
    pass


# Per type: the fields a layer may have, with relunet's defaults (models/README.md); None means
# required. "stride": "kernel" means the stride defaults to the kernel size.
FIELDS = {
    "conv": {"filters": None, "kernel": None, "stride": 1, "pad": 0, "groups": 1, "bias": True},
    "maxpool": {"kernel": None, "stride": "kernel", "pad": 0},
    "avgpool": {"kernel": None, "stride": "kernel", "pad": 0},
    "fc": {"units": None, "bias": True},
    "lrn": {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2.0},
    "batchnorm": {"eps": 1e-5},
    "dropout": {"p": 0.5},
    "flatten": {},
    "relu": {},
    "leaky-relu": {"slope": 0.01},
    "tanh": {},
    "sigmoid": {},
    "elu": {"alpha": 1.0},
}


def _fields(path, index, layer):
    kind = layer.get("type")
    where = f"{path}: layer {index + 1} ({kind})"
    if kind not in FIELDS:
        raise ModelError(f"{where}: no PyTorch translation for this layer type")
    spec = FIELDS[kind]
    unknown = set(layer) - set(spec) - {"type", "name"}
    if unknown:
        raise ModelError(f"{where}: no PyTorch translation for field(s) {sorted(unknown)}")
    values = {}
    for field, default in spec.items():
        if field in layer:
            values[field] = layer[field]
        elif default is None:
            raise ModelError(f"{where}: field \"{field}\" is missing")
        else:
            values[field] = values["kernel"] if default == "kernel" else default
    return kind, values


def _module(kind, f, spatial):
    if kind == "conv":
        return nn.LazyConv2d(f["filters"], f["kernel"], stride=f["stride"], padding=f["pad"],
                             groups=f["groups"], bias=f["bias"])
    if kind == "maxpool":
        return nn.MaxPool2d(f["kernel"], stride=f["stride"], padding=f["pad"])
    if kind == "avgpool":  # relunet averages over the window's pixels inside the image
        return nn.AvgPool2d(f["kernel"], stride=f["stride"], padding=f["pad"],
                            count_include_pad=False)
    if kind == "fc":
        return nn.LazyLinear(f["units"], bias=f["bias"])
    if kind == "lrn":  # both: b = a / (k + alpha/size * sum a^2)^beta
        return nn.LocalResponseNorm(f["size"], alpha=f["alpha"], beta=f["beta"], k=f["k"])
    if kind == "batchnorm":
        return nn.LazyBatchNorm2d(eps=f["eps"]) if spatial else nn.LazyBatchNorm1d(eps=f["eps"])
    if kind == "dropout":
        return nn.Dropout(f["p"])
    if kind == "flatten":
        return nn.Flatten()
    if kind == "relu":
        return nn.ReLU(inplace=True)
    if kind == "leaky-relu":
        return nn.LeakyReLU(f["slope"], inplace=True)
    if kind == "tanh":
        return nn.Tanh()
    if kind == "sigmoid":
        return nn.Sigmoid()
    return nn.ELU(f["alpha"], inplace=True)


def load(path):
    """Returns (model, input shape (C, H, W), classes) for a relunet model file."""
    try:
        with open(path) as file:
            doc = json.load(file)
        shape = tuple(doc["input"][k] for k in ("channels", "height", "width"))
        classes = doc["classes"]
        layers = doc["layers"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelError(f"{path}: cannot read the model: {error}") from error
    modules, spatial = [], True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Lazy modules")
        for index, layer in enumerate(layers):
            kind, fields = _fields(path, index, layer)
            if not spatial and kind in ("conv", "maxpool", "avgpool", "lrn"):
                raise ModelError(f"{path}: layer {index + 1} ({kind}): no PyTorch translation "
                                 "for a spatial layer after fc or flatten")
            if kind == "fc" and spatial:
                modules.append(nn.Flatten())  # relunet's fc flattens a spatial input implicitly
            modules.append(_module(kind, fields, spatial))
            spatial = spatial and kind not in ("fc", "flatten")
        model = nn.Sequential(*modules)
        with torch.no_grad():
            logits = model.eval()(torch.zeros(1, *shape))  # materialises the lazy modules
    if tuple(logits.shape) != (1, classes):
        raise ModelError(f"{path}: the PyTorch model gives {tuple(logits.shape[1:])} outputs "
                         f"per image, the model file says {classes} classes")
    return model, shape, classes


def parameter_count(model):
    """Trainable parameters, counted as relunet's layer table does (batch-norm running
    statistics are buffers, not parameters)."""
    return sum(p.numel() for p in model.parameters())
