// onnx_export.cpp — relunet layers to ONNX nodes (opset 13), one function per layer kind.
//
// A new layer kind, or a new field of one, is one case in export_layer() and, if it adds
// parameters, one more initializer there. Shapes are not repeated here: the layers' shape rules
// (model_spec.cpp) have already checked the model, and ONNX consumers infer shapes themselves.
#include "onnx/onnx_export.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/atomic_file.hpp"
#include "model/model_spec.hpp"

namespace relunet {
namespace {

constexpr int64_t kOpset = 13;
constexpr int64_t kIrVersion = 7;  // the IR version of opset 13

// The graph under construction: the layers form a chain, so each node reads the tensor the
// previous one wrote (`current`).
class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto& graph, const Checkpoint& ckpt, const std::string& origin)
      : graph_(graph), origin_(origin) {
    for (const NamedTensor& t : ckpt.params) params_[t.name] = &t;
  }

  // Adds node `op` reading `current` (then `extra_inputs`), writing a tensor named `name`,
  // which becomes `current`.
  onnx::NodeProto& node(const std::string& op, const std::string& name,
                        const std::vector<std::string>& extra_inputs = {}) {
    onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type(op);
    n.set_name(name);
    n.add_input(current);
    for (const std::string& input : extra_inputs) n.add_input(input);
    n.add_output(name);
    current = name;
    return n;
  }

  // An initializer holding `values` with shape `dims`; returns its name.
  std::string constant(const std::string& name, const std::vector<int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto& t = *graph_.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.add_dims(d);
    t.mutable_float_data()->Add(values.begin(), values.end());
    return name;
  }

  // Checkpoint parameter `name` as an initializer of shape `dims` (row-major), times `scale`.
  std::string param(const std::string& name, const std::vector<int64_t>& dims, float scale = 1.f) {
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
  int rank = 4;  // of `current`: 4 while spatial, 2 after flatten or fc

 private:
  onnx::GraphProto& graph_;
  std::string origin_;
  std::map<std::string, const NamedTensor*> params_;
};

void set_ints(onnx::NodeProto& n, const char* name, std::vector<int64_t> values) {
  onnx::AttributeProto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
}
void set_int(onnx::NodeProto& n, const char* name, int64_t value) {
  onnx::AttributeProto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
}
void set_float(onnx::NodeProto& n, const char* name, float value) {
  onnx::AttributeProto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
}

// kernel_shape, strides and pads of a square window.
void set_window(onnx::NodeProto& n, const LayerSpec& layer) {
  set_ints(n, "kernel_shape", {layer.kernel, layer.kernel});
  set_ints(n, "strides", {layer.stride, layer.stride});
  set_ints(n, "pads", {layer.pad, layer.pad, layer.pad, layer.pad});
}

void flatten(GraphBuilder& g, const std::string& name) {
  set_int(g.node("Flatten", name), "axis", 1);
  g.rank = 2;
}

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

void export_conv(GraphBuilder& g, const LayerSpec& layer) {
  const std::string weight =
      g.param(layer.name + ".weight", {layer.outputs, layer.in.c / layer.groups, layer.kernel, layer.kernel});
  std::vector<std::string> inputs{weight};
  if (layer.bias) inputs.push_back(g.param(layer.name + ".bias", {layer.outputs}));
  onnx::NodeProto& n = g.node("Conv", layer.name, inputs);
  set_window(n, layer);
  set_int(n, "group", layer.groups);
}

void export_pool(GraphBuilder& g, const LayerSpec& layer) {
  const bool max = layer.kind == LayerKind::MaxPool;
  onnx::NodeProto& n = g.node(max ? "MaxPool" : "AveragePool", layer.name);
  set_window(n, layer);
  if (!max) set_int(n, "count_include_pad", 0);  // relunet averages over the in-image pixels
}

// Gemm with transB: relunet's weights are O x (inputs), flattened in C, H, W order as Flatten is.
// An output scale is folded into the weights and bias (OpenCV 4.6 ignores Gemm's alpha).
void export_fully_connected(GraphBuilder& g, const LayerSpec& layer) {
  if (g.rank != 2) flatten(g, layer.name + ".flatten");
  const float scale = layer.output_scale;
  std::vector<std::string> inputs{g.param(layer.name + ".weight", {layer.outputs, layer.in.size()}, scale)};
  if (layer.bias) inputs.push_back(g.param(layer.name + ".bias", {layer.outputs}, scale));
  set_int(g.node("Gemm", layer.name, inputs), "transB", 1);
}

void export_activation(GraphBuilder& g, const LayerSpec& layer) {
  switch (layer.act.fn) {
    case ActivationFn::ReLU:
      g.node("Relu", layer.name);
      break;
    case ActivationFn::LeakyReLU:
      set_float(g.node("LeakyRelu", layer.name), "alpha", layer.act.alpha);
      break;
    case ActivationFn::Tanh:
      g.node("Tanh", layer.name);
      break;
    case ActivationFn::Sigmoid:
      g.node("Sigmoid", layer.name);
      break;
    case ActivationFn::ELU:
      set_float(g.node("Elu", layer.name), "alpha", layer.act.alpha);
      break;
  }
}

void export_lrn(GraphBuilder& g, const LayerSpec& layer) {
  onnx::NodeProto& n = g.node("LRN", layer.name);
  set_int(n, "size", layer.lrn_size);
  set_float(n, "alpha", layer.lrn_alpha);  // both divide alpha by the size
  set_float(n, "beta", layer.lrn_beta);
  set_float(n, "bias", layer.lrn_k);
}

// As an operator with the running statistics: the exact inference computation, and a consumer
// may fold it into the layer before.
void export_batch_norm(GraphBuilder& g, const LayerSpec& layer) {
  const std::vector<int64_t> dims{layer.out.c};
  // Without a learnable scale relunet's scale is 1: a constant, as ONNX needs one.
  const std::vector<std::string> inputs{
      layer.bn_scale ? g.param(layer.name + ".scale", dims)
                     : g.constant(layer.name + ".scale", dims, std::vector<float>(size_t(layer.out.c), 1.f)),
      g.param(layer.name + ".shift", dims),
      g.param(layer.name + ".running_mean", dims), g.param(layer.name + ".running_var", dims)};
  set_float(g.node("BatchNormalization", layer.name, inputs), "epsilon", layer.bn_eps);
}

void export_layer(GraphBuilder& g, const LayerSpec& layer) {
  switch (layer.kind) {
    case LayerKind::Conv:
      export_conv(g, layer);
      break;
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      export_pool(g, layer);
      break;
    case LayerKind::FullyConnected:
      export_fully_connected(g, layer);
      break;
    case LayerKind::Activation:
      export_activation(g, layer);
      break;
    case LayerKind::LRN:
      export_lrn(g, layer);
      break;
    case LayerKind::BatchNorm:
      export_batch_norm(g, layer);
      break;
    case LayerKind::Dropout:
      break;  // the identity at inference
    case LayerKind::Flatten:
      if (g.rank != 2) flatten(g, layer.name);
      break;
  }
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
  for (const LayerSpec& layer : spec.layers) export_layer(g, layer);
  g.rename_current("logits");          // the last layer is an fc layer, so its node is the last one
  g.node("Softmax", "probabilities");  // opset 13: over the last axis, the classes
  set_float_tensor_type(*graph.add_output(), "logits", {spec.classes});
  set_float_tensor_type(*graph.add_output(), "probabilities", {spec.classes});
  return model;
}

void export_onnx_file(const std::string& checkpoint_path, const std::string& out_path) {
  const onnx::ModelProto model = export_onnx(load_checkpoint(checkpoint_path), checkpoint_path);
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw std::runtime_error(out_path +
                             ": the ONNX model is too large to serialise (protobuf's limit is 2 GiB)");
  write_file_atomically(out_path, bytes);
}

}  // namespace relunet
