#!/usr/bin/env python3
"""alexnet_style_onnx.py OUT_DIR — an AlexNet-style PyTorch network with random weights, exported
with torch.onnx.export, and its logits on a random batch: the reference for relunet's ONNX import
(tests/test_onnx_import.cpp). Writes OUT_DIR/model.onnx, input.f32 (N x 3 x 32 x 32, in 0-1: the
graph's input) and logits.f32 (N x 10), float32 little-endian. Exits 77 without PyTorch.

The network uses every kind of node the importer reads from PyTorch: Conv (grouped, with and
without bias), BatchNormalization (2-D and 1-D), MaxPool and AveragePool with padding, Relu,
LeakyRelu, PRelu (a slope per channel, C x 1 x 1, and PyTorch's default single slope), Elu, Tanh,
Sigmoid, Flatten, Dropout, Gemm, and MatMul + Add."""
import pathlib
import sys

try:
    import torch
    from torch import nn
except ImportError:
    print("PyTorch is not installed (Debian: python3-torch); skipping")
    sys.exit(77)


class MatMulLinear(nn.Module):
    """x @ W + b: exported as MatMul and Add rather than Gemm."""

    def __init__(self, inputs, outputs):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(inputs, outputs) / inputs ** 0.5)
        self.bias = nn.Parameter(torch.randn(outputs) * 0.1)

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


def network():
    net = nn.Sequential(
        nn.Conv2d(3, 24, 5, padding=2), nn.BatchNorm2d(24), nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1),
        nn.Conv2d(24, 48, 3, padding=1, groups=2), nn.LeakyReLU(0.1),
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), nn.PReLU(48),
        nn.Conv2d(48, 64, 3, padding=1, bias=False), nn.ELU(0.7), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5),
        nn.Linear(64 * 4 * 4, 128), nn.Tanh(), nn.Dropout(0.5),
        nn.Linear(128, 64, bias=False), nn.BatchNorm1d(64), nn.PReLU(), nn.Sigmoid(),
        MatMulLinear(64, 10))
    with torch.no_grad():  # running statistics that are not the identity
        for module in net.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
            if isinstance(module, nn.PReLU):  # negative slopes too
                module.weight.uniform_(-0.3, 0.6)
    return net.eval()


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(15)
    net = network()
    images = torch.rand(8, 3, 32, 32)
    with torch.no_grad():
        logits = net(images)
    torch.onnx.export(net, images, str(out / "model.onnx"), input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
    (out / "input.f32").write_bytes(images.numpy().astype("<f4").tobytes())
    (out / "logits.f32").write_bytes(logits.numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    main()
