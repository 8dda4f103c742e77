#!/usr/bin/env python3
"""make_onnx_seeds.py — writes the seed corpus of fuzz_onnx_import (tests/fuzz/corpus/
fuzz_onnx_import/): two tiny ONNX models (4x4 RGB input) between them using every operator the
importer reads, small enough for libFuzzer to mutate quickly. Needs python3-onnx and numpy."""
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = pathlib.Path(__file__).parent / "corpus" / "fuzz_onnx_import"
rng = np.random.default_rng(1)


def const(name, *shape):
    return numpy_helper.from_array(rng.uniform(0.5, 1.5, shape).astype(np.float32), name)


def model(name, nodes, initializers):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_onnx_seeds")
    m.ir_version = 7
    onnx.checker.check_model(m, full_check=True)
    (OUT / f"{name}.onnx").write_bytes(m.SerializeToString())


# Normalisation, Conv, BatchNormalization, Relu, MaxPool, PRelu, LRN, AveragePool, Flatten, Gemm,
# Softmax.
model("gemm", [
    helper.make_node("Mul", ["x", "scale"], ["a"]), helper.make_node("Sub", ["a", "mean"], ["b"]),
    helper.make_node("Conv", ["b", "w", "wb"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["c", "s", "t", "m", "v"], ["d"], epsilon=1e-3),
    helper.make_node("Relu", ["d"], ["e"]),
    helper.make_node("MaxPool", ["e"], ["f0"], kernel_shape=[2, 2], strides=[1, 1]),
    helper.make_node("PRelu", ["f0", "slope"], ["f"]),
    helper.make_node("LRN", ["f"], ["g"], size=3, alpha=1e-3, beta=0.75, bias=2.0),
    helper.make_node("AveragePool", ["g"], ["h"], kernel_shape=[2, 2], pads=[1, 1, 1, 1]),
    helper.make_node("Flatten", ["h"], ["i"]),
    helper.make_node("Gemm", ["i", "fw", "fb"], ["j"], transB=1),
    helper.make_node("Softmax", ["j"], ["y"], axis=1)],
    [const("scale", 1, 3, 1, 1), const("mean", 3, 1, 1), const("w", 2, 3, 3, 3), const("wb", 2),
     const("s", 2), const("t", 2), const("m", 2), const("v", 2), const("fw", 2, 32), const("fb", 2),
     numpy_helper.from_array(np.array([0.25, -0.1], dtype=np.float32).reshape(2, 1, 1), "slope")])

# Grouped Conv without bias, LeakyRelu, Reshape, Dropout, MatMul + Add, Tanh, Sigmoid, Elu.
shape = numpy_helper.from_array(np.array([0, -1], dtype=np.int64), "shape")
model("matmul", [
    helper.make_node("Conv", ["x", "w"], ["a"], kernel_shape=[2, 2], strides=[2, 2], group=3),
    helper.make_node("LeakyRelu", ["a"], ["b"], alpha=0.2),
    helper.make_node("Reshape", ["b", "shape"], ["c"]),
    helper.make_node("Dropout", ["c"], ["d"]),
    helper.make_node("MatMul", ["d", "mw"], ["e"]), helper.make_node("Add", ["e", "mb"], ["f"]),
    helper.make_node("Tanh", ["f"], ["g"]),
    helper.make_node("Gemm", ["g", "gw"], ["h"]),
    helper.make_node("Elu", ["h"], ["i"], alpha=0.5),
    helper.make_node("Gemm", ["i", "hw"], ["j"], transB=1),
    helper.make_node("Sigmoid", ["j"], ["k"]),
    helper.make_node("Gemm", ["k", "yw"], ["y"], transB=1)],
    [const("w", 3, 1, 2, 2), shape, const("mw", 12, 5), const("mb", 5), const("gw", 5, 4), const("hw", 3, 4),
     const("yw", 2, 3)])
