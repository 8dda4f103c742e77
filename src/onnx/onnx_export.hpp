// onnx_export.hpp — a relunet checkpoint as an ONNX model: the inference network (dropout
// removed), the checkpoint's input normalisation as its first two nodes, the class names in the
// metadata. The graph takes N x 3 x H x W float RGB in 0-255 ("images") and gives "logits" and
// their softmax, "probabilities".
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "io/checkpoint.hpp"

namespace relunet {

// Metadata keys the exporter writes and the importer reads back.
inline constexpr const char* kOnnxClassNamesKey = "class_names";  // a JSON array of strings
inline constexpr const char* kOnnxInputKey = "relunet.input";     // how to feed the graph
inline constexpr const char* kOnnxInputRgb255 = "float RGB 0-255, N x 3 x H x W";

// `origin` names the checkpoint in errors (a parameter missing or of the wrong size).
onnx::ModelProto export_onnx(const Checkpoint& ckpt, const std::string& origin);

// Exports the checkpoint at `checkpoint_path` and writes the model atomically to `out_path`.
void export_onnx_file(const std::string& checkpoint_path, const std::string& out_path);

}  // namespace relunet
