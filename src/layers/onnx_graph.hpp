// onnx_graph.hpp — what a layer kind needs to write itself into an ONNX graph, without protobuf:
// each kind's to_onnx (layer_kind.hpp) adds nodes through this interface, and the exporter
// (src/onnx/onnx_export.cpp) implements it. The layers form a chain, so every node reads the
// tensor the previous one wrote.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace relunet {

struct OnnxAttribute {
  std::string name;
  std::variant<int64_t, float, std::vector<int64_t>> value;
};

class OnnxGraph {
 public:
  virtual ~OnnxGraph() = default;
  // Adds node `op` reading the current tensor (then `inputs`), writing a tensor named `name`,
  // which becomes the current one.
  virtual void node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs = {},
                    const std::vector<OnnxAttribute>& attributes = {}) = 0;
  // The checkpoint's parameter `name` as an initializer of shape `dims` (row-major), times
  // `scale`; returns its name. Throws if the checkpoint lacks it or its size differs.
  virtual std::string param(const std::string& name, const std::vector<int64_t>& dims, float scale = 1.f) = 0;
  // An initializer holding `values` with shape `dims`; returns its name.
  virtual std::string constant(const std::string& name, const std::vector<int64_t>& dims,
                               const std::vector<float>& values) = 0;
  // Flattens the current tensor to batch x features, unless it is already (rank 2).
  void flatten(const std::string& name) {
    if (rank == 2) return;
    node("Flatten", name, {}, {{"axis", int64_t{1}}});
    rank = 2;
  }

  int rank = 4;  // of the current tensor: 4 while spatial, 2 after flatten or fc
};

}  // namespace relunet
