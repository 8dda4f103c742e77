// onnx_export.cpp — a relunet checkpoint as an ONNX model (opset 13): the input normalisation,
// each layer's nodes (written by its kind, layers/layer_kind.hpp, through the OnnxGraph this
// file implements) and a softmax. Shapes are not repeated here: the layers' shape rules have
// already checked the model, and ONNX consumers infer shapes themselves.
#include "onnx/onnx_export.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <variant>

#include "io/atomic_file.hpp"
#include "io/output_path.hpp"
#include "layers/layer_kind.hpp"
#include "layers/onnx_graph.hpp"
#include "model/model_spec.hpp"

namespace relunet {
namespace {

constexpr int64_t kOpset = 13;
constexpr int64_t kIrVersion = 7;  // the IR version of opset 13

void set_attribute(onnx::NodeProto& n, const OnnxAttribute& attribute) {
  onnx::AttributeProto& a = *n.add_attribute();
  a.set_name(attribute.name);
  if (const auto* i = std::get_if<int64_t>(&attribute.value)) {
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(*i);
  } else if (const auto* f = std::get_if<float>(&attribute.value)) {
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(*f);
  } else {
    a.set_type(onnx::AttributeProto::INTS);
    for (int64_t v : std::get<std::vector<int64_t>>(attribute.value)) a.add_ints(v);
  }
}

// The graph under construction: the layers form a chain, so each node reads the tensor the
// previous one wrote (`current`).
class GraphBuilder final : public OnnxGraph {
 public:
  GraphBuilder(onnx::GraphProto& graph, const Checkpoint& ckpt, const std::string& origin)
      : graph_(graph), origin_(origin) {
    for (const NamedTensor& t : ckpt.params) params_[t.name] = &t;
  }

  void node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs = {},
            const std::vector<OnnxAttribute>& attributes = {}) override {
    onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type(op);
    n.set_name(name);
    n.add_input(current);
    for (const std::string& input : inputs) n.add_input(input);
    n.add_output(name);
    for (const OnnxAttribute& a : attributes) set_attribute(n, a);
    current = name;
  }

  std::string constant(const std::string& name, const std::vector<int64_t>& dims,
                       const std::vector<float>& values) override {
    onnx::TensorProto& t = *graph_.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.add_dims(d);
    t.mutable_float_data()->Add(values.begin(), values.end());
    return name;
  }

  std::string param(const std::string& name, const std::vector<int64_t>& dims, float scale = 1.f) override {
    const auto it = params_.find(name);
    if (it == params_.end()) throw std::runtime_error(origin_ + ": parameter '" + name + "' is missing");
    int64_t count = 1;
    for (int64_t d : dims) count *= d;
    if (static_cast<int64_t>(it->second->data.size()) != count)
      throw std::runtime_error(origin_ + ": parameter '" + name + "' has " +
                               std::to_string(it->second->data.size()) + " values, the model needs " +
                               std::to_string(count));
    if (scale == 1.f) return constant(name, dims, it->second->data);
    std::vector<float> scaled = it->second->data;
    for (float& v : scaled) v *= scale;
    return constant(name, dims, scaled);
  }

  // Renames the tensor the last node wrote (`current`), which no node reads yet.
  void rename_current(const std::string& name) {
    graph_.mutable_node(graph_.node_size() - 1)->set_output(0, name);
    current = name;
  }

  std::string current = "images";

 private:
  onnx::GraphProto& graph_;
  std::string origin_;
  std::map<std::string, const NamedTensor*> params_;
};

// (v/255 - mean) / stddev as v * scale + shift, per channel.
void export_normalization(GraphBuilder& g, const Normalization& norm) {
  std::vector<float> scale(3), shift(3);
  for (size_t c = 0; c < 3; ++c) {
    scale[c] = 1.f / (255.f * norm.stddev[c]);
    shift[c] = -norm.mean[c] / norm.stddev[c];
  }
  // 3 x 1 x 1 constants, broadcast over batch and pixels: OpenCV 4.6 mis-reads an Add of a
  // 1 x 3 x 1 x 1 constant.
  g.node("Mul", "normalize.scaled", {g.constant("normalize.scale", {3, 1, 1}, scale)});
  g.node("Add", "normalize", {g.constant("normalize.shift", {3, 1, 1}, shift)});
}

void set_float_tensor_type(onnx::ValueInfoProto& value, const std::string& name,
                           const std::vector<int64_t>& dims_after_batch) {
  value.set_name(name);
  onnx::TypeProto_Tensor& type = *value.mutable_type()->mutable_tensor_type();
  type.set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto& shape = *type.mutable_shape();
  shape.add_dim()->set_dim_param("batch");
  for (int64_t d : dims_after_batch) shape.add_dim()->set_dim_value(d);
}

void add_metadata(onnx::ModelProto& model, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto& entry = *model.add_metadata_props();
  entry.set_key(key);
  entry.set_value(value);
}

}  // namespace

onnx::ModelProto export_onnx(const Checkpoint& ckpt, const std::string& origin) {
  const ModelSpec spec = parse_model(ckpt.model_json, origin + " (model definition)");
  if (spec.input.c != 3)
    throw std::runtime_error(origin + ": the model takes " + std::to_string(spec.input.c) +
                             "-channel images; the exported graph normalises RGB (3 channels)");
  if (static_cast<int64_t>(ckpt.class_names.size()) != spec.classes)
    throw std::runtime_error(origin + ": the model has " + std::to_string(spec.classes) +
                             " classes but the checkpoint names " + std::to_string(ckpt.class_names.size()));

  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  onnx::OperatorSetIdProto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(kOpset);
  model.set_producer_name("relunet");
  model.set_doc_string("relunet model '" + spec.name + "': feed " + kOnnxInputRgb255 +
                       "; outputs logits and probabilities (N x classes)");
  add_metadata(
      model, kOnnxClassNamesKey,
      nlohmann::json(ckpt.class_names).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  add_metadata(model, kOnnxInputKey, kOnnxInputRgb255);

  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name(spec.name);
  GraphBuilder g(graph, ckpt, origin);
  set_float_tensor_type(*graph.add_input(), g.current, {spec.input.c, spec.input.h, spec.input.w});
  export_normalization(g, ckpt.norm);
  for (const LayerSpec& layer : spec.layers) layer_kind(layer.kind).to_onnx(g, layer);
  g.rename_current("logits");          // the last layer is an fc layer, so its node is the last one
  g.node("Softmax", "probabilities");  // opset 13: over the last axis, the classes
  set_float_tensor_type(*graph.add_output(), "logits", {spec.classes});
  set_float_tensor_type(*graph.add_output(), "probabilities", {spec.classes});
  return model;
}

void export_onnx_file(const std::string& checkpoint_path, const std::string& out_path) {
  check_output_file(out_path, "--out", checkpoint_path);
  const onnx::ModelProto model = export_onnx(load_checkpoint(checkpoint_path), checkpoint_path);
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw std::runtime_error(out_path +
                             ": the ONNX model is too large to serialise (protobuf's limit is 2 GiB)");
  write_file_atomically(out_path, bytes);
}

}  // namespace relunet
