// onnx_import.cpp — ONNX nodes to relunet layers, one function per operator.
//
// The graph must be a chain: every node reads the tensor the previous one wrote (constants
// aside). A supported operator is one entry in kOps; a new relunet layer field is one more
// attribute read in its operator's function. Anything else — another operator, an attribute
// relunet does not have, a branch — is a one-line error naming the node and its op.
#include "onnx/onnx_import.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/atomic_file.hpp"
#include "io/class_names.hpp"
#include "io/output_path.hpp"
#include "io/printable.hpp"
#include "layers/conv.hpp"
#include "model/model_spec.hpp"
#include "onnx/onnx_export.hpp"

namespace relunet {
namespace {

using Json = nlohmann::ordered_json;

constexpr uintmax_t kMaxOnnxBytes = (uintmax_t{1} << 31) - 1;  // protobuf's own message limit
constexpr int64_t kMaxElements = int64_t{1} << 31;             // as layers/shape_rules.hpp's kMaxTensor

// A constant tensor: an initializer or the output of a Constant node.
struct Constant {
  std::vector<int64_t> dims;
  std::vector<float> values;  // FLOAT tensors
  std::vector<int64_t> ints;  // INT64 tensors (Reshape's shape)
  size_t size() const { return values.empty() ? ints.size() : values.size(); }
};

int64_t element_count(const google::protobuf::RepeatedField<int64_t>& dims, const std::string& where) {
  int64_t count = 1;
  for (int64_t d : dims)
    if (d <= 0 || __builtin_mul_overflow(count, d, &count) || count > kMaxElements)
      throw std::runtime_error(where + ": dimensions must be positive, at most " +
                               std::to_string(kMaxElements) + " elements in all");
  return count;
}

// Little-endian raw_data or the typed repeated field, which must hold exactly `count` values.
template <typename T, typename Repeated>
std::vector<T> tensor_values(const onnx::TensorProto& t, const Repeated& typed, int64_t count,
                             const std::string& where) {
  // Sizes are checked before anything is allocated: the dimensions alone may claim gigabytes.
  const bool raw = t.has_raw_data();
  const size_t held = raw ? t.raw_data().size() : size_t(typed.size()) * sizeof(T);
  if (held != size_t(count) * sizeof(T))
    throw std::runtime_error(where + ": holds " + std::to_string(held / sizeof(T)) + " values (" +
                             (raw ? "raw_data" : "typed data") + "), its dimensions say " +
                             std::to_string(count));
  std::vector<T> values(static_cast<size_t>(count));
  if (raw)
    std::memcpy(values.data(), t.raw_data().data(), held);  // ONNX raw data is little-endian, as x86-64
  else
    std::copy(typed.begin(), typed.end(), values.begin());
  return values;
}

Constant decode_tensor(const onnx::TensorProto& t, const std::string& where) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw std::runtime_error(where +
                             ": external data is not supported (save the model with its weights inside)");
  Constant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  const int64_t count = element_count(t.dims(), where);
  if (t.data_type() == onnx::TensorProto::FLOAT)
    c.values = tensor_values<float>(t, t.float_data(), count, where);
  else if (t.data_type() == onnx::TensorProto::INT64)
    c.ints = tensor_values<int64_t>(t, t.int64_data(), count, where);
  else
    throw std::runtime_error(where + ": data type " + std::to_string(t.data_type()) +
                             " is not supported (only FLOAT weights and INT64 shapes)");
  return c;
}

// One node's attributes, each read at most once with its ONNX default; finish() refuses any
// attribute no reader asked for, so an attribute relunet would ignore is an error instead.
class NodeReader {
 public:
  NodeReader(const onnx::NodeProto& node, size_t index, const std::string& origin)
      : node_(node),
        where_(origin + ": node '" + (node.name().empty() ? "#" + std::to_string(index) : node.name()) +
               "' (" + node.op_type() + ")") {}

  const onnx::NodeProto& node() const { return node_; }
  const std::string& where() const { return where_; }
  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(where_ + ": " + problem);
  }

  int64_t integer(const std::string& name, int64_t fallback) {
    const onnx::AttributeProto* a = find(name, onnx::AttributeProto::INT);
    return a ? a->i() : fallback;
  }
  float number(const std::string& name, float fallback) {
    const onnx::AttributeProto* a = find(name, onnx::AttributeProto::FLOAT);
    return a ? a->f() : fallback;
  }
  std::vector<int64_t> integers(const std::string& name, std::vector<int64_t> fallback) {
    const onnx::AttributeProto* a = find(name, onnx::AttributeProto::INTS);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
  }
  std::string text(const std::string& name, const std::string& fallback) {
    const onnx::AttributeProto* a = find(name, onnx::AttributeProto::STRING);
    return a ? a->s() : fallback;
  }
  const onnx::AttributeProto* tensor(const std::string& name) {
    return find(name, onnx::AttributeProto::TENSOR);
  }
  // Reads an attribute that must have the value `expected` (or be absent).
  void require(const std::string& name, int64_t expected, const std::string& why) {
    if (integer(name, expected) != expected)
      fail("attribute '" + name + "' = " + std::to_string(integer(name, expected)) + " is not supported (" +
           why + ")");
  }

  void finish() const {
    for (const onnx::AttributeProto& a : node_.attribute())
      if (!read_.count(a.name())) fail("attribute '" + a.name() + "' is not supported");
  }

 private:
  const onnx::AttributeProto* find(const std::string& name, onnx::AttributeProto::AttributeType type) {
    read_.insert(name);
    for (const onnx::AttributeProto& a : node_.attribute())
      if (a.name() == name) {
        if (a.type() != type) fail("attribute '" + name + "' has the wrong type");
        return &a;
      }
    return nullptr;
  }

  const onnx::NodeProto& node_;
  std::string where_;
  std::set<std::string> read_;
};

// A relunet layer being built: its model-file fields, and its parameters by suffix (".weight").
struct PendingLayer {
  Json fields;
  std::string node;  // NodeReader::where() of the node it came from, for errors
  std::vector<std::pair<std::string, std::vector<float>>> params;
  bool one_for_all = false;  // each parameter is one value for all of the layer's channels
};

// Per-channel x * scale + shift: the leading Mul/Add/Sub/Div nodes (input normalisation).
struct Affine {
  std::array<double, 3> scale{1, 1, 1}, shift{0, 0, 0};
};

struct Importer {
  std::map<std::string, Constant> constants;
  std::string current;  // the tensor the next node of the chain must read
  int rank = 4;         // of `current`
  std::vector<PendingLayer> layers;
  Affine input_affine;
  bool after_matmul = false;  // the last node was a MatMul, whose bias an Add may supply
  bool finished = false;      // a final Softmax was read: no more nodes may follow

  PendingLayer& add(const NodeReader& r, Json fields) {
    layers.push_back({std::move(fields), r.where(), {}});
    return layers.back();
  }

  // Input `i` of the node, which must be a constant (`absent_ok`: or missing).
  const Constant* constant(const NodeReader& r, int i, const char* what, bool absent_ok = false) const {
    if (r.node().input_size() <= i || r.node().input(i).empty()) {
      if (absent_ok) return nullptr;
      r.fail(std::string("the ") + what + " input is missing");
    }
    const auto it = constants.find(r.node().input(i));
    if (it == constants.end())
      r.fail(std::string("the ") + what + " ('" + r.node().input(i) +
             "') must be a constant (an initializer)");
    return &it->second;
  }
  const std::vector<float>& floats(const NodeReader& r, int i, const char* what, size_t count) const {
    const Constant* c = constant(r, i, what);
    if (c->values.size() != count || c->ints.size() > 0)
      r.fail(std::string("the ") + what + " must hold " + std::to_string(count) + " float values, it holds " +
             std::to_string(c->size()));
    return c->values;
  }
};

// Square window geometry shared by Conv and the pools: symmetric pads, equal strides, no dilation.
void read_window(NodeReader& r, Json& fields, std::vector<int64_t> kernel) {
  kernel = r.integers("kernel_shape", kernel);
  const auto strides = r.integers("strides", {1, 1});
  const auto pads = r.integers("pads", {0, 0, 0, 0});
  const auto dilations = r.integers("dilations", {1, 1});
  if (kernel.size() != 2 || kernel[0] != kernel[1]) r.fail("only square 2-D kernels are supported");
  if (strides.size() != 2 || strides[0] != strides[1]) r.fail("only equal strides are supported");
  if (pads.size() != 4 || std::count(pads.begin(), pads.end(), pads[0]) != 4)
    r.fail("only the same padding on every side is supported");
  if (dilations != std::vector<int64_t>{1, 1}) r.fail("dilated windows are not supported");
  if (r.text("auto_pad", "NOTSET") != "NOTSET")
    r.fail("attribute 'auto_pad' is not supported (give explicit pads)");
  fields["kernel"] = kernel[0];
  fields["stride"] = strides[0];
  fields["pad"] = pads[0];
}

void import_conv(NodeReader& r, Importer& m) {
  const Constant& w = *m.constant(r, 1, "weight");
  if (w.dims.size() != 4 || w.values.empty() || w.dims[2] != w.dims[3])
    r.fail("the weight must be a float tensor O x C/groups x K x K");
  const Constant* b = m.constant(r, 2, "bias", true);
  Json fields = {{"type", "conv"}, {"filters", w.dims[0]}};
  read_window(r, fields, {w.dims[2], w.dims[3]});
  if (fields["kernel"] != w.dims[2]) r.fail("'kernel_shape' does not match the weight's shape");
  fields["groups"] = r.integer("group", 1);
  fields["bias"] = b != nullptr;
  PendingLayer& layer = m.add(r, fields);
  layer.params.push_back({".weight", w.values});
  if (b) layer.params.push_back({".bias", m.floats(r, 2, "bias", size_t(w.dims[0]))});
}

void import_pool(NodeReader& r, Importer& m) {
  const bool max = r.node().op_type() == "MaxPool";
  Json fields = {{"type", max ? "maxpool" : "avgpool"}};
  read_window(r, fields, {});
  r.require("ceil_mode", 0, "relunet rounds output sizes down");
  if (max) r.require("storage_order", 0, "it describes an indices output relunet does not make");
  if (!max && fields["pad"] != 0)
    r.require("count_include_pad", 0, "relunet averages over the window's pixels inside the image");
  else if (!max)
    r.integer("count_include_pad", 0);  // no padding: either way the same
  if (r.node().output_size() > 1) r.fail("the indices output is not supported");
  m.add(r, fields);
}

void import_lrn(NodeReader& r, Importer& m) {
  // ONNX and relunet both divide alpha by the size; ONNX's bias is relunet's k.
  m.add(r, {{"type", "lrn"},
            {"size", r.integer("size", 0)},
            {"alpha", r.number("alpha", 1e-4f)},
            {"beta", r.number("beta", 0.75f)},
            {"k", r.number("bias", 1.f)}});
}

// Gemm: y = alpha * x B' + beta * C, B' = B or B^T. relunet keeps W as O x I.
void import_gemm(NodeReader& r, Importer& m) {
  if (m.rank != 2) r.fail("needs a 2-D input (put a Flatten before it)");
  r.require("transA", 0, "the input must not be transposed");
  const bool trans_b = r.integer("transB", 0) != 0;
  const float alpha = r.number("alpha", 1.f), beta = r.number("beta", 1.f);
  const Constant& b = *m.constant(r, 1, "weight");
  if (b.dims.size() != 2 || b.values.empty()) r.fail("the weight must be a 2-D float tensor");
  const int64_t outputs = trans_b ? b.dims[0] : b.dims[1], inputs = trans_b ? b.dims[1] : b.dims[0];
  std::vector<float> weight(b.values.size());
  for (int64_t o = 0; o < outputs; ++o)
    for (int64_t i = 0; i < inputs; ++i)
      weight[o * inputs + i] = alpha * b.values[trans_b ? o * inputs + i : i * outputs + o];
  const Constant* c = m.constant(r, 2, "bias", true);
  PendingLayer& layer = m.add(r, {{"type", "fc"}, {"units", outputs}, {"bias", c != nullptr}});
  layer.params.push_back({".weight", weight});
  if (c) {
    std::vector<float> bias = m.floats(r, 2, "bias", size_t(outputs));
    for (float& v : bias) v *= beta;
    layer.params.push_back({".bias", bias});
  }
}

// MatMul by a constant I x O matrix: an fc layer whose bias a following Add may supply.
void import_matmul(NodeReader& r, Importer& m) {
  if (m.rank != 2) r.fail("needs a 2-D input (put a Flatten before it)");
  const Constant& b = *m.constant(r, 1, "weight");
  if (b.dims.size() != 2 || b.values.empty()) r.fail("the weight must be a 2-D float tensor");
  const int64_t inputs = b.dims[0], outputs = b.dims[1];
  std::vector<float> weight(b.values.size());
  for (int64_t o = 0; o < outputs; ++o)
    for (int64_t i = 0; i < inputs; ++i) weight[o * inputs + i] = b.values[i * outputs + o];
  m.add(r, {{"type", "fc"}, {"units", outputs}, {"bias", false}}).params.push_back({".weight", weight});
  m.after_matmul = true;
}

// The per-channel constant of an element-wise node on the input: one value or one per channel.
std::array<double, 3> channel_values(NodeReader& r, const Constant& c) {
  std::vector<int64_t> dims = c.dims;
  while (!dims.empty() && dims.front() == 1 && dims.size() > 3) dims.erase(dims.begin());
  const bool per_channel = c.values.size() == 3 && dims == std::vector<int64_t>{3, 1, 1};
  if (c.values.size() != 1 && !per_channel)
    r.fail("on the input, only a scalar or a per-channel (3 x 1 x 1) constant is supported");
  std::array<double, 3> v;
  for (size_t k = 0; k < 3; ++k) v[k] = c.values[per_channel ? k : 0];
  return v;
}

// Mul, Div, Add, Sub: on the input they are its normalisation; after MatMul, Add is the bias.
void import_elementwise(NodeReader& r, Importer& m) {
  const std::string& op = r.node().op_type();
  if (m.after_matmul && op == "Add") {
    PendingLayer& fc = m.layers.back();
    fc.fields["bias"] = true;
    fc.params.push_back({".bias", m.floats(r, 1, "bias", size_t(fc.fields["units"].get<int64_t>()))});
    return;
  }
  if (!m.layers.empty()) r.fail("is supported only on the input (normalisation) or as the bias after MatMul");
  const Constant* c = m.constant(r, 1, "second", false);
  if (c->values.empty()) r.fail("the constant must be a float tensor");
  const std::array<double, 3> v = channel_values(r, *c);
  Affine& a = m.input_affine;
  for (size_t k = 0; k < 3; ++k) {
    if (op == "Mul" || op == "Div") {
      if (op == "Div" && v[k] == 0) r.fail("divides by zero");
      const double factor = op == "Mul" ? v[k] : 1.0 / v[k];
      a.scale[k] *= factor;
      a.shift[k] *= factor;
    } else {
      a.shift[k] += op == "Add" ? v[k] : -v[k];
    }
  }
}

void import_batch_norm(NodeReader& r, Importer& m) {
  r.require("training_mode", 0, "only inference batch normalisation");
  r.require("spatial", 1, "per-channel statistics only");
  r.number("momentum", 0.9f);  // training only
  for (int i = 1; i < r.node().output_size(); ++i)
    if (!r.node().output(i).empty()) r.fail("the training outputs (running statistics) are not supported");
  const Constant& scale = *m.constant(r, 1, "scale");
  const size_t channels = scale.values.size();
  PendingLayer& layer = m.add(r, {{"type", "batchnorm"}, {"eps", r.number("epsilon", 1e-5f)}});
  layer.params = {{".scale", m.floats(r, 1, "scale", channels)},
                  {".shift", m.floats(r, 2, "bias", channels)},
                  {".running_mean", m.floats(r, 3, "mean", channels)},
                  {".running_var", m.floats(r, 4, "variance", channels)}};
  const std::vector<float>& variance = layer.params.back().second;
  if (std::any_of(variance.begin(), variance.end(), [](float v) { return v < 0; }))
    r.fail("input 4 (variance) holds a negative value: a variance never is");
}

void import_activation(NodeReader& r, Importer& m) {
  const std::string& op = r.node().op_type();
  if (op == "Relu") m.add(r, {{"type", "relu"}});
  if (op == "Tanh") m.add(r, {{"type", "tanh"}});
  if (op == "Sigmoid") m.add(r, {{"type", "sigmoid"}});
  if (op == "LeakyRelu") m.add(r, {{"type", "leaky-relu"}, {"slope", r.number("alpha", 0.01f)}});
  if (op == "Elu") m.add(r, {{"type", "elu"}, {"alpha", r.number("alpha", 1.f)}});
}

// PRelu: one slope per channel, which ONNX broadcasts from the right (C x 1 x 1 against
// N x C x H x W, C against N x C), or one slope for every channel (PyTorch's default nn.PReLU()).
void import_prelu(NodeReader& r, Importer& m) {
  const Constant& slope = *m.constant(r, 1, "slope");
  if (slope.values.empty() || slope.dims.size() > size_t(m.rank)) r.fail("the slope must be a float tensor");
  std::vector<int64_t> dims = slope.dims, per_channel(size_t(m.rank), 1);
  dims.insert(dims.begin(), size_t(m.rank) - dims.size(), 1);
  per_channel[1] = int64_t(slope.values.size());
  const bool one = slope.values.size() == 1;
  if (!one && dims != per_channel)
    r.fail(m.rank == 2 ? "only one slope per unit (C) or a single slope is supported"
                       : "only one slope per channel (C x 1 x 1) or a single slope is supported");
  PendingLayer& layer = m.add(r, {{"type", "prelu"}});
  layer.params.push_back({".slope", slope.values});
  layer.one_for_all = one;
}

void import_flatten(NodeReader& r, Importer& m) {
  r.require("axis", 1, "relunet flattens each image, axis 1");
  if (m.rank == 2) return;  // already flat
  m.add(r, {{"type", "flatten"}});
  m.rank = 2;
}

// Reshape to (N, -1) or (0, -1): PyTorch's x.view(x.size(0), -1) with a constant shape.
void import_reshape(NodeReader& r, Importer& m) {
  r.require("allowzero", 0, "a zero in the shape keeps the batch size");
  const Constant& shape = *m.constant(r, 1, "shape");
  if (shape.ints.size() != 2 || (shape.ints[1] != -1 && shape.ints[0] != 0 && shape.ints[0] != -1))
    r.fail("only a reshape to (batch, -1), a flatten, is supported");
  if (m.rank == 2) return;
  m.add(r, {{"type", "flatten"}});
  m.rank = 2;
}

// Dropout and Identity: nothing at inference.
void import_identity(NodeReader& r, Importer&) {
  r.number("ratio", 0.5f);
  r.integer("seed", 0);
  r.integer("is_test", 1);
  for (int i = 1; i < r.node().output_size(); ++i)
    if (!r.node().output(i).empty()) r.fail("the mask output is not supported");
}

// A final Softmax: relunet's networks end in logits and apply the softmax themselves.
void import_softmax(NodeReader& r, Importer& m) {
  const int64_t axis = r.integer("axis", -1);
  if (m.rank != 2 || (axis != 1 && axis != -1)) r.fail("only a final softmax over the classes is supported");
  m.finished = true;
}

using OpImporter = void (*)(NodeReader&, Importer&);
const std::map<std::string, OpImporter> kOps = {
    {"Conv", import_conv},
    {"MaxPool", import_pool},
    {"AveragePool", import_pool},
    {"LRN", import_lrn},
    {"Gemm", import_gemm},
    {"MatMul", import_matmul},
    {"BatchNormalization", import_batch_norm},
    {"Relu", import_activation},
    {"LeakyRelu", import_activation},
    {"Tanh", import_activation},
    {"Sigmoid", import_activation},
    {"Elu", import_activation},
    {"PRelu", import_prelu},
    {"Flatten", import_flatten},
    {"Reshape", import_reshape},
    {"Dropout", import_identity},
    {"Identity", import_identity},
    {"Softmax", import_softmax},
    {"LogSoftmax", import_softmax},
    {"Mul", import_elementwise},
    {"Div", import_elementwise},
    {"Add", import_elementwise},
    {"Sub", import_elementwise},
};

std::string supported_ops() {
  std::string list;
  for (const auto& entry : kOps) list += (list.empty() ? "" : ", ") + entry.first;
  return list;
}

void read_constant_node(NodeReader& r, Importer& m) {
  const onnx::AttributeProto* value = r.tensor("value");
  r.finish();
  if (value == nullptr || r.node().output_size() != 1) r.fail("only a 'value' tensor constant is supported");
  m.constants[r.node().output(0)] = decode_tensor(value->t(), r.where() + ": tensor 'value'");
}

void read_node(const onnx::NodeProto& node, size_t index, const std::string& origin, Importer& m) {
  NodeReader r(node, index, origin);
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    r.fail("operators of domain '" + node.domain() + "' are not supported");
  if (node.op_type() == "Constant") return read_constant_node(r, m);
  const auto op = kOps.find(node.op_type());
  if (op == kOps.end()) r.fail("operator not supported by relunet; supported: " + supported_ops());
  if (m.finished) r.fail("follows the final Softmax: relunet's networks end there");
  if (node.input_size() == 0 || node.input(0) != m.current || node.output_size() == 0)
    r.fail("does not read the output of the node before it ('" + m.current +
           "'): relunet imports chains of layers, without branches");
  const bool was_after_matmul = m.after_matmul;
  op->second(r, m);
  r.finish();
  if (was_after_matmul) m.after_matmul = false;
  if (op->first == "Gemm" || op->first == "MatMul") m.rank = 2;
  if (!m.finished) m.current = node.output(0);
}

// The graph's one image input (initializers may be listed as inputs too): N x 3 x H x W floats.
Shape read_input(const onnx::GraphProto& graph, const std::string& origin, Importer& m) {
  const onnx::ValueInfoProto* input = nullptr;
  for (const onnx::ValueInfoProto& v : graph.input()) {
    if (m.constants.count(v.name())) continue;
    if (input)
      throw std::runtime_error(origin + ": the graph has several inputs ('" + input->name() + "', '" +
                               v.name() + "'); relunet models take one image batch");
    input = &v;
  }
  if (!input) throw std::runtime_error(origin + ": the graph has no input");
  const std::string where = origin + ": input '" + input->name() + "'";
  if (!input->type().has_tensor_type() || input->type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
    throw std::runtime_error(where + ": must be a float tensor");
  const auto& dims = input->type().tensor_type().shape().dim();
  if (dims.size() != 4) throw std::runtime_error(where + ": must be N x C x H x W (4-D)");
  std::array<int64_t, 3> chw{};
  for (int i = 1; i < 4; ++i) {
    if (!dims[i].has_dim_value() || dims[i].dim_value() <= 0)
      throw std::runtime_error(where + ": channels, height and width must be fixed positive sizes");
    chw[i - 1] = dims[i].dim_value();
  }
  if (chw[0] != 3)
    throw std::runtime_error(where + ": has " + std::to_string(chw[0]) +
                             " channels; relunet imports RGB models (3)");
  m.current = input->name();
  return Shape{chw[0], chw[1], chw[2]};
}

std::string metadata(const onnx::ModelProto& model, const std::string& key) {
  for (const auto& entry : model.metadata_props())
    if (entry.key() == key) return entry.value();
  return {};
}

std::vector<std::string> class_names(const onnx::ModelProto& model, int64_t classes,
                                     const std::string& origin) {
  const std::string text = metadata(model, kOnnxClassNamesKey);
  std::vector<std::string> names;
  if (text.empty()) {
    for (int64_t k = 0; k < classes; ++k) names.push_back(std::to_string(k));
    return names;
  }
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_array() && static_cast<int64_t>(parsed.size()) == classes)
    for (const auto& name : parsed)
      if (name.is_string()) names.push_back(name.get<std::string>());
  if (static_cast<int64_t>(names.size()) != classes)
    throw std::runtime_error(origin + ": metadata '" + kOnnxClassNamesKey + "' must be a JSON array of " +
                             std::to_string(classes) + " strings, one per class");
  const std::string problem = class_names_problem(names);
  if (!problem.empty()) throw std::runtime_error(origin + ": metadata '" + kOnnxClassNamesKey + "': " + problem);
  return names;
}

// (rgb/255 - mean) / std that the graph's input expects, followed by the graph's own affine
// prefix: relunet's normalisation is their composition. Its range keeps it a float that export
// can write back (a standard deviation that is finite as a double can overflow or vanish as a
// float, and 1/stddev with it).
Normalization input_normalization(const Normalization& graph_input, const Affine& prefix,
                                  const std::string& origin) {
  constexpr double kLimit = 1e6;
  Normalization n;
  for (size_t c = 0; c < 3; ++c) {
    const double stddev = graph_input.stddev[c] / prefix.scale[c];
    const double mean = graph_input.mean[c] - prefix.shift[c] * stddev;
    if (!(stddev >= 1 / kLimit && stddev <= kLimit && std::abs(mean) <= kLimit))
      throw std::runtime_error(origin +
                               ": the input normalisation (--mean and --std, or the model's own, then any "
                               "leading Mul/Add/Sub/Div nodes) must scale "
                               "each channel by a positive factor, to a standard deviation from 1e-6 to 1e6 "
                               "and a mean within +-1e6 (of 0-1 pixel values)");
    n.mean[c] = static_cast<float>(mean);
    n.stddev[c] = static_cast<float>(stddev);
  }
  return n;
}

// relunet's plain dims for each parameter (network_state.cpp checks them on load): conv
// weights (G x) O/G x C/G x K x K; fc weights O x (the dims of its input memory, which a flatten
// layer leaves 4-D); one value per channel otherwise.
std::vector<int64_t> param_dims(const LayerSpec& layer, const std::string& suffix,
                                const std::vector<int64_t>& memory) {
  if (suffix != ".weight") return {layer.out.c};
  if (layer.kind == LayerKind::Conv) return conv_weight_dims(layer);
  std::vector<int64_t> dims{layer.outputs};
  dims.insert(dims.end(), memory.begin(), memory.end());
  return dims;
}

std::vector<NamedTensor> named_params(const ModelSpec& spec, const std::vector<PendingLayer>& layers) {
  std::vector<NamedTensor> params;
  std::vector<int64_t> memory{spec.input.c, spec.input.h,
                              spec.input.w};  // one image, as the network holds it
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerSpec& layer = spec.layers[i];
    for (const auto& [suffix, values] : layers[i].params) {
      NamedTensor t{layer.name + suffix, param_dims(layer, suffix, memory), values};
      int64_t count = 1;
      for (int64_t d : t.dims) count *= d;
      if (layers[i].one_for_all) t.data.assign(size_t(count), values.at(0));
      if (count != static_cast<int64_t>(t.data.size()))
        throw std::runtime_error(layers[i].node + ": the " + suffix.substr(1) + " has " +
                                 std::to_string(values.size()) + " values; for its input, relunet's layer '" +
                                 layer.name + "' needs " + std::to_string(count));
      params.push_back(std::move(t));
    }
    if (layer.kind == LayerKind::FullyConnected)
      memory = {layer.outputs};
    else if (layer.kind != LayerKind::Flatten)
      memory = memory.size() == 1 ? std::vector<int64_t>{layer.out.c}
                                  : std::vector<int64_t>{layer.out.c, layer.out.h, layer.out.w};
  }
  return params;
}

// parse_model's errors name relunet's layer ("layer 3 (\"pool1\"): ..."); prefix the node it
// came from.
ModelSpec checked_spec(const Json& model, const std::vector<PendingLayer>& layers,
                       const std::string& origin) {
  try {
    // A name that is not UTF-8 (ONNX does not check) becomes U+FFFD where it is not.
    return parse_model(model.dump(-1, ' ', false, Json::error_handler_t::replace), origin);
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    const std::string marker = origin + ": layer ";
    if (message.rfind(marker, 0) == 0) {
      const size_t index = std::strtoul(message.c_str() + marker.size(), nullptr, 10);
      if (index >= 1 && index <= layers.size())
        throw std::runtime_error(layers[index - 1].node + ": as relunet " +
                                 message.substr(origin.size() + 2));
    }
    throw;
  }
}

}  // namespace

Checkpoint import_onnx(std::string_view bytes, const std::string& origin, const OnnxImportOptions& options) {
  onnx::ModelProto model;
  if (bytes.size() > kMaxOnnxBytes || !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw std::runtime_error(origin + ": not an ONNX model (the protobuf message does not parse)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    throw std::runtime_error(origin + ": the model has no graph nodes");
  const onnx::GraphProto& graph = model.graph();

  Importer m;
  for (const onnx::TensorProto& t : graph.initializer())
    m.constants[t.name()] = decode_tensor(t, origin + ": initializer '" + t.name() + "'");
  const Shape input = read_input(graph, origin, m);
  for (int i = 0; i < graph.node_size(); ++i) read_node(graph.node(i), size_t(i), origin, m);
  if (m.layers.empty() || m.layers.back().fields["type"] != "fc")
    throw std::runtime_error(
        origin +
        ": the network must end in a fully connected layer (Gemm or MatMul) giving the class scores");

  Json spec_json = {
      {"name", printable(graph.name().empty() ? std::filesystem::path(origin).stem().string() : graph.name())},
      {"input", {{"channels", input.c}, {"height", input.h}, {"width", input.w}}},
      {"classes", m.layers.back().fields["units"]},
      {"layers", Json::array()}};
  for (const PendingLayer& layer : m.layers) spec_json["layers"].push_back(layer.fields);
  const ModelSpec spec = checked_spec(spec_json, m.layers, origin);

  Normalization graph_input;  // 0-1 RGB unless said otherwise
  if (options.input)
    graph_input = *options.input;
  else if (metadata(model, kOnnxInputKey) == kOnnxInputRgb255)
    graph_input.stddev = {1.f / 255, 1.f / 255, 1.f / 255};
  Checkpoint ckpt;
  ckpt.model_json = to_json(spec);
  ckpt.norm = input_normalization(graph_input, m.input_affine, origin);
  ckpt.class_names = class_names(model, spec.classes, origin);
  ckpt.params = named_params(spec, m.layers);
  // Every later load refuses a non-finite parameter; so does the import, before writing one (an
  // initializer's NaN, or finite weights times a Gemm alpha beyond a float).
  for (const NamedTensor& t : ckpt.params) {
    const auto bad = std::find_if(t.data.begin(), t.data.end(), [](float v) { return !std::isfinite(v); });
    if (bad != t.data.end())
      throw std::runtime_error(origin + ": parameter '" + t.name + "' holds " +
                               (std::isnan(*bad) ? "NaN" : "an infinity") + " at index " +
                               std::to_string(bad - t.data.begin()));
  }
  ckpt.train_state_json = "{}";
  return ckpt;
}

void import_onnx_file(const std::string& onnx_path, const std::string& out_dir,
                      const OnnxImportOptions& options) {
  namespace fs = std::filesystem;
  check_output_directory(out_dir, "--out");
  std::error_code error;
  const uintmax_t size = fs::file_size(onnx_path, error);
  if (error) throw std::runtime_error(onnx_path + ": cannot read: " + error.message());
  if (size > kMaxOnnxBytes)
    throw std::runtime_error(onnx_path + ": " + std::to_string(size) +
                             " bytes is more than an ONNX model can hold (2 GiB)");
  std::ifstream in(onnx_path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw std::runtime_error(onnx_path + ": cannot read");
  const Checkpoint ckpt = import_onnx(bytes.str(), onnx_path, options);
  create_output_directory(out_dir);
  write_file_atomically(out_dir + "/model.json", ckpt.model_json);
  save_checkpoint(ckpt, out_dir + "/model.ckpt");
}

}  // namespace relunet
