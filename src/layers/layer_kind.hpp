// layer_kind.hpp — the registry of layer kinds. Each kind's file (conv.cpp, pool.cpp, ...) holds
// everything about it: the model-file fields it reads and writes, its shape rule, its oneDNN
// layer (descriptors, forward, backward, parameters) and its ONNX nodes, and gives them to one
// LayerKindInfo; layer_kind.cpp lists every kind once. The model reader and writer, shape
// inference, the layer table, the network's factory and the ONNX exporter ask the registry.
//
// A new kind: a value in LayerKind (layer_spec.hpp), its hyper-parameters in LayerSpec, its
// file (and header) with the functions below and a function returning its LayerKindInfo, and
// its entry (and #include) in layer_kind.cpp; prelu.cpp is a small complete example with a
// parameter. ONNX import is by operator (src/onnx/onnx_import.cpp): a kind that can be read back
// adds its operator there.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/layer_spec.hpp"
#include "layers/onnx_graph.hpp"

namespace relunet {

class FieldReader;
class Layer;

struct LayerKindInfo {
  using Read = void (*)(LayerSpec&, FieldReader&);
  using Write = void (*)(const LayerSpec&, nlohmann::ordered_json&);
  using Fit = void (*)(LayerSpec&, bool);
  using Make = std::unique_ptr<Layer> (*)(const LayerSpec&, uint64_t);
  using ToOnnx = void (*)(OnnxGraph&, const LayerSpec&);
  using Window = std::string (*)(const LayerSpec&);
  LayerKindInfo(LayerKind kind, const char* name, const char* family, Read read, Write write, Fit fit, Make make,
                ToOnnx to_onnx, Window window = nullptr)
      : kind(kind), name(name), family(family), read(read), write(write), fit(fit), window(window), make(make),
        to_onnx(to_onnx) {}

  LayerKind kind;
  const char* name;    // to_string(kind), and its model-file "type" unless `spellings` lists others
  const char* family;  // default layer names number each family: "conv" -> conv1, conv2, ...
  // A kind with several model-file spellings (activations: one per function) lists them, says
  // how one sets up the spec and which one a spec has; all null for a kind spelled `name`.
  std::vector<std::string> (*spellings)() = nullptr;
  void (*start)(LayerSpec& layer, const std::string& type) = nullptr;
  std::string (*spelling)(const LayerSpec& layer) = nullptr;
  // Reads the kind's model-file fields into `layer`, defaults where absent; bad types throw.
  void (*read)(LayerSpec& layer, FieldReader& fields);
  // Writes every field, defaults included, so that the text is canonical.
  void (*write)(const LayerSpec& layer, nlohmann::ordered_json& j);
  // The shape rule: checks the hyper-parameters against layer.in and sets layer.out (= in when
  // called), macs and param_count (0 when called). `first_layer`: the layer sees the images.
  void (*fit)(LayerSpec& layer, bool first_layer);
  // The form of each image's data: fc and flatten give a vector (N x C in oneDNN), which no later
  // layer turns back into an image; conv and pooling need an image (N x C x H x W).
  bool gives_vector = false;
  bool needs_image = false;
  // The layer table's "kernel" column ("3x3/1 p1"); null for kinds without a window.
  std::string (*window)(const LayerSpec& layer);
  // The function the layer applies element-wise, as the initialiser of the conv or fc layer
  // before it sees it (He's gain for ReLU-like functions, Xavier for tanh and sigmoid); null for
  // kinds that apply none.
  Activation (*applies)(const LayerSpec& layer) = nullptr;
  // The oneDNN layer; `seed` drives stochastic layers.
  std::unique_ptr<Layer> (*make)(const LayerSpec& layer, uint64_t seed);
  // Its ONNX nodes (opset 13), for inference.
  void (*to_onnx)(OnnxGraph& graph, const LayerSpec& layer);
};

// The `make` of a layer class constructed from its spec alone.
template <class L>
std::unique_ptr<Layer> make_layer_of(const LayerSpec& spec, uint64_t) {
  return std::make_unique<L>(spec);
}

// The registration of `kind`.
const LayerKindInfo& layer_kind(LayerKind kind);

// The spec a model-file "type" starts from (its kind, an activation's function and default
// parameter), or nullopt for a type no kind has.
std::optional<LayerSpec> layer_of_type(const std::string& type);
// The model-file "type" of `layer` ("conv", "leaky-relu").
std::string file_type(const LayerSpec& layer);
// Every model-file "type", comma-separated, for error messages.
std::string valid_types();

}  // namespace relunet
