// onnx_import.hpp — an AlexNet-style ONNX model (a chain of Conv, MaxPool, AveragePool, LRN,
// BatchNormalization, Gemm or MatMul+Add, the activations relunet has, Flatten, Dropout and a
// final Softmax) as a relunet model and checkpoint. Leading per-channel Mul/Add/Sub/Div by
// constants become the checkpoint's input normalisation.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "io/checkpoint.hpp"

namespace relunet {

struct OnnxImportOptions {
  // What the graph's input is, as torchvision states it: (rgb/255 - mean) / std. Unset: 0-255
  // RGB for a model relunet exported (its metadata says so), else 0-1 RGB (mean 0, std 1).
  std::optional<Normalization> input;
};

// Parses an ONNX model from its bytes. Throws std::runtime_error, one line starting with
// `origin`, on anything malformed or unsupported; an unsupported node is named with its op.
Checkpoint import_onnx(std::string_view bytes, const std::string& origin, const OnnxImportOptions& options);

// Reads `onnx_path` and writes `out_dir`/model.json (the model file) and `out_dir`/model.ckpt.
// Nothing is written unless the whole model converts.
void import_onnx_file(const std::string& onnx_path, const std::string& out_dir,
                      const OnnxImportOptions& options);

}  // namespace relunet
