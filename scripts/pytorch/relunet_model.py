"""relunet_model.py — a relunet model file (models/*.json) as a PyTorch nn.Sequential.

Built from the same JSON file relunet reads, so the two benchmarks can never describe different
networks. The file is assumed valid (relunet checks it first); anything this translator does
not know is an error rather than a guess. Shapes are left to PyTorch's lazy modules, so the only
rule repeated here is the one the layer types themselves state: an fc layer flattens a spatial
input, and batch norm is per channel on a spatial input and per unit after fc or flatten.

For training (scripts/pytorch/train_fast.py) it also starts the parameters as relunet does
(initialize, whiten: dirac and patch-whitening convs included), freezes frozen convs and groups
the parameters as relunet's optimiser does (parameter_groups).
"""
import json
import math
import warnings

import torch
from torch import nn


class ModelError(Exception):
    pass


CONV_INITS = ("random", "dirac", "patch-whitening")
ACTIVATIONS = ("relu", "leaky-relu", "tanh", "sigmoid", "elu")
WHITENING_EPS = 5e-4     # as relunet (src/net/patch_whitening.hpp) and airbench94
WHITENING_IMAGES = 5000  # the first 5,000 training images give the patch statistics


def _fields(path, index, layer):
    kind = layer.get("type")
    where = f"{path}: layer {index + 1} ({kind})"
    if kind not in TYPES:
        raise ModelError(f"{where}: no PyTorch translation for this layer type")
    spec = TYPES[kind][0]
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


class Scale(nn.Module):
    """The fc layer's output scale: y = scale * (W x + b)."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return x * self.scale

    def extra_repr(self):
        return f"scale={self.scale:g}"


class LazyPReLU(nn.modules.lazy.LazyModuleMixin, nn.Module):
    """relunet's prelu: one slope per channel of its input (per feature of a flat one), starting
    at init_slope; nn.PReLU needs the channel count up front, which the lazy modules leave open."""

    cls_to_become = None

    def __init__(self, init_slope):
        super().__init__()
        self.init_slope = init_slope
        self.weight = nn.parameter.UninitializedParameter()

    def initialize_parameters(self, x):
        if self.has_uninitialized_params():
            with torch.no_grad():
                self.weight.materialize((x.shape[1],))
                self.weight.fill_(self.init_slope)

    def forward(self, x):
        return nn.functional.prelu(x, self.weight)


def _batch_norm(f, spatial):  # both: running = (1 - momentum) running + momentum batch (unbiased)
    norm = nn.LazyBatchNorm2d if spatial else nn.LazyBatchNorm1d
    return norm(eps=f["eps"], momentum=f["momentum"])


# One row per model-file type: the fields a layer may have, with relunet's defaults
# (models/README.md; None means required, "kernel" that the stride defaults to the kernel size),
# and the PyTorch module computing it from the fields and whether its input is spatial.
TYPES = {
    "conv": ({"filters": None, "kernel": None, "stride": 1, "pad": 0, "groups": 1, "bias": True,
              "init_std": 0.0, "init": "random", "frozen": False},
             lambda f, spatial: nn.LazyConv2d(f["filters"], f["kernel"], stride=f["stride"],
                                              padding=f["pad"], groups=f["groups"],
                                              bias=f["bias"])),
    "maxpool": ({"kernel": None, "stride": "kernel", "pad": 0},
                lambda f, spatial: nn.MaxPool2d(f["kernel"], stride=f["stride"], padding=f["pad"])),
    # relunet averages over the window's pixels inside the image
    "avgpool": ({"kernel": None, "stride": "kernel", "pad": 0},
                lambda f, spatial: nn.AvgPool2d(f["kernel"], stride=f["stride"], padding=f["pad"],
                                                count_include_pad=False)),
    "fc": ({"units": None, "bias": True, "init_std": 0.0, "scale": 1.0},
           lambda f, spatial: nn.LazyLinear(f["units"], bias=f["bias"])),
    # both: b = a / (k + alpha/size * sum a^2)^beta
    "lrn": ({"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2.0},
            lambda f, spatial: nn.LocalResponseNorm(f["size"], alpha=f["alpha"], beta=f["beta"],
                                                    k=f["k"])),
    "batchnorm": ({"eps": 1e-5, "momentum": 0.1, "scale": True}, _batch_norm),
    "dropout": ({"p": 0.5}, lambda f, spatial: nn.Dropout(f["p"])),
    "flatten": ({}, lambda f, spatial: nn.Flatten()),
    "relu": ({}, lambda f, spatial: nn.ReLU(inplace=True)),
    "leaky-relu": ({"slope": 0.01}, lambda f, spatial: nn.LeakyReLU(f["slope"], inplace=True)),
    "tanh": ({}, lambda f, spatial: nn.Tanh()),
    "sigmoid": ({}, lambda f, spatial: nn.Sigmoid()),
    "elu": ({"alpha": 1.0}, lambda f, spatial: nn.ELU(f["alpha"], inplace=True)),
    "prelu": ({"init_slope": 0.25}, lambda f, spatial: LazyPReLU(f["init_slope"])),
}


def _check_values(path, index, kind, f):
    where = f"{path}: layer {index + 1} ({kind})"
    if kind == "conv" and f["init"] not in CONV_INITS:
        raise ModelError(f"{where}: no PyTorch translation for init {f['init']!r}")
    if kind == "conv" and f["init"] == "patch-whitening" and index != 0:
        raise ModelError(f"{where}: a patch-whitening conv must be the first layer")


class Layer:
    """One layer of the model file: its type, its fields (defaults filled in) and the PyTorch
    module that computes it."""

    def __init__(self, kind, fields, module):
        self.kind, self.fields, self.module = kind, fields, module


def read(path):
    """The model file as JSON (its "recipe", if any, included)."""
    try:
        with open(path) as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: cannot read the model: {error}") from error


def load(path):
    """Returns (model, input shape (C, H, W), classes) for a relunet model file. The model is an
    nn.Sequential whose attribute `relunet_layers` lists the file's layers (Layer) in order."""
    doc = read(path)
    try:
        shape = tuple(doc["input"][k] for k in ("channels", "height", "width"))
        classes = doc["classes"]
        layers = doc["layers"]
    except (KeyError, TypeError) as error:
        raise ModelError(f"{path}: cannot read the model: {error}") from error
    modules, described, spatial = [], [], True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Lazy modules")
        for index, layer in enumerate(layers):
            kind, fields = _fields(path, index, layer)
            _check_values(path, index, kind, fields)
            if not spatial and kind in ("conv", "maxpool", "avgpool", "lrn"):
                raise ModelError(f"{path}: layer {index + 1} ({kind}): no PyTorch translation "
                                 "for a spatial layer after fc or flatten")
            if kind == "fc" and spatial:
                modules.append(nn.Flatten())  # relunet's fc flattens a spatial input implicitly
            module = TYPES[kind][1](fields, spatial)
            modules.append(module)
            if kind == "fc" and fields["scale"] != 1:
                modules.append(Scale(fields["scale"]))
            described.append(Layer(kind, fields, module))
            spatial = spatial and kind not in ("fc", "flatten")
        model = nn.Sequential(*modules)
        with torch.no_grad():
            logits = model.eval()(torch.zeros(1, *shape))  # materialises the lazy modules
    for layer in described:
        if layer.kind == "batchnorm" and not layer.fields["scale"]:
            layer.module.register_parameter("weight", None)  # fixed at 1: only the shift learns
        if layer.kind == "conv" and layer.fields["frozen"]:
            layer.module.weight.requires_grad_(False)
    model.relunet_layers = described
    if tuple(logits.shape) != (1, classes):
        raise ModelError(f"{path}: the PyTorch model gives {tuple(logits.shape[1:])} outputs "
                         f"per image, the model file says {classes} classes")
    return model, shape, classes


def parameter_count(model):
    """Parameters, counted as relunet's layer table does (batch-norm running statistics are
    buffers, not parameters; frozen weights count)."""
    return sum(p.numel() for p in model.parameters())


# --- training: initialisation and parameter groups, as relunet's -------------------------------

def _activation_after(layers, index):
    """The activation applied to a conv or fc layer's output, as relunet finds it: the first one
    (or prelu) before the next conv or fc layer."""
    for layer in layers[index + 1:]:
        if layer.kind in ACTIVATIONS or layer.kind == "prelu":
            return layer
        if layer.kind in ("conv", "fc"):
            return None
    return None


def _random_weights(weight, layer, activation):
    """relunet's initialisation (src/net/initialization.cpp), in distribution: N(0, init_std^2)
    when set, else He normal before a ReLU-like activation, else Xavier uniform."""
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    if layer.fields["init_std"] > 0:
        nn.init.normal_(weight, 0.0, layer.fields["init_std"])
    elif activation is not None and activation.kind not in ("tanh", "sigmoid"):
        slope = {"leaky-relu": activation.fields.get("slope"),
                 "prelu": activation.fields.get("init_slope")}.get(activation.kind) or 0.0
        nn.init.normal_(weight, 0.0, math.sqrt(2.0 / (1.0 + slope * slope) / fan_in))
    else:
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        nn.init.uniform_(weight, -limit, limit)


def initialize(model):
    """Starts every parameter as relunet does (torch's generator draws the random numbers):
    weights as _random_weights says, dirac convs then with their first min(filters, inputs)
    filters the identity, biases and batch-norm shifts 0, scales 1, running statistics 0 and 1,
    PReLU slopes their init_slope. Patch-whitening weights come from the data: whiten()."""
    layers = model.relunet_layers
    with torch.no_grad():
        for index, layer in enumerate(layers):
            m = layer.module
            if layer.kind in ("conv", "fc"):
                _random_weights(m.weight, layer, _activation_after(layers, index))
                if m.bias is not None:
                    m.bias.zero_()
                if layer.kind == "conv" and layer.fields["init"] == "dirac":
                    identity = min(m.weight.shape[0], m.weight.shape[1])
                    nn.init.dirac_(m.weight[:identity])
            elif layer.kind == "batchnorm":
                m.reset_running_stats()
                m.bias.zero_()
                if m.weight is not None:
                    m.weight.fill_(1.0)
            elif layer.kind == "prelu":
                m.weight.fill_(layer.fields["init_slope"])


def whitening_layer(model):
    first = model.relunet_layers[0]
    return first.module if first.kind == "conv" and first.fields["init"] == "patch-whitening" \
        else None


def patch_covariance(images, k, chunk=250):
    """S = (1/n) sum p p^T over the k x k patches p at every position of the images (N x C x H x
    W), each patch in (channel, row, column) order; accumulated in float64, a chunk of images at
    a time (materialising every patch at once, or F.unfold in float64, is many times slower)."""
    n, channels, height, width = images.shape
    rows, cols, dim = height - k + 1, width - k + 1, channels * k * k
    total = torch.zeros(dim, dim, dtype=torch.float64)
    for start in range(0, n, chunk):
        x = images[start:start + chunk]
        shifted = [x[:, :, dy:dy + rows, dx:dx + cols] for dy in range(k) for dx in range(k)]
        patches = torch.stack(shifted, 2).permute(0, 3, 4, 1, 2).reshape(-1, dim).double()
        total += patches.T @ patches
    return total / (n * rows * cols)


def whiten(model, images, eps=WHITENING_EPS):
    """Sets the patch-whitening conv's weights from normalised training images (N x C x H x W,
    relunet uses the first WHITENING_IMAGES of the training split): with the eigenvectors v_i and
    eigenvalues l_i of the patch covariance, largest first, filter i is v_i / sqrt(l_i + eps) and
    filter D + i its negative (D = C k^2), as relunet's src/net/patch_whitening.cpp."""
    conv = whitening_layer(model)
    channels, k = conv.weight.shape[1], conv.weight.shape[2]
    dim = channels * k * k
    if conv.weight.shape[0] != 2 * dim:
        raise ModelError(f"a patch-whitening conv on {channels} channels with kernel {k} needs "
                         f"{2 * dim} filters, not {conv.weight.shape[0]}")
    values, vectors = torch.linalg.eigh(patch_covariance(images, k))  # ascending
    values, vectors = values.flip(0), vectors.flip(1)
    filters = (vectors.T / torch.sqrt(values.clamp(min=0) + eps)[:, None]).reshape(dim, channels,
                                                                                  k, k)
    with torch.no_grad():
        conv.weight.copy_(torch.cat([filters, -filters]).float())


def parameter_groups(model):
    """relunet's optimiser groups of the trainable parameters: "weight" (conv and fc weights),
    "bias" (conv and fc biases), "norm" (batch-norm scales and shifts) and "slope" (PReLU
    slopes: the schedule's lr, no decay). Frozen weights are in none."""
    groups = {"weight": [], "bias": [], "norm": [], "slope": []}
    for layer in model.relunet_layers:
        m = layer.module
        if layer.kind in ("conv", "fc"):
            if m.weight.requires_grad:
                groups["weight"].append(m.weight)
            if m.bias is not None:
                groups["bias"].append(m.bias)
        elif layer.kind == "batchnorm":
            groups["norm"] += [p for p in (m.weight, m.bias) if p is not None]
        elif layer.kind == "prelu":
            groups["slope"].append(m.weight)
    return groups
