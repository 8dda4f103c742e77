// activation.cpp — everything about the activation kind: its spellings (one per function) and
// parameter field, shape rule, oneDNN descriptors (also those of the post-op fused into the
// preceding conv or fc), forward, backward and unit statistics, ONNX node.
#include "layers/activation.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {

using dnnl::algorithm;

namespace {

struct FunctionInfo {
  ActivationFn fn;
  const char* name;         // the model-file "type" and the --activation spelling
  const char* param_field;  // nullptr: the function takes no parameter
  float default_param;
  const char* onnx_op;
};

constexpr FunctionInfo kFunctions[] = {
    {ActivationFn::ReLU, "relu", nullptr, 0.f, "Relu"},
    {ActivationFn::LeakyReLU, "leaky-relu", "slope", 0.01f, "LeakyRelu"},
    {ActivationFn::Tanh, "tanh", nullptr, 0.f, "Tanh"},
    {ActivationFn::Sigmoid, "sigmoid", nullptr, 0.f, "Sigmoid"},
    {ActivationFn::ELU, "elu", "alpha", 1.f, "Elu"},
};

constexpr const char* kSpellings = "relu, leaky-relu[:slope], tanh, sigmoid, elu[:alpha]";

const FunctionInfo& info(ActivationFn fn) {
  for (const FunctionInfo& f : kFunctions)
    if (f.fn == fn) return f;
  throw std::invalid_argument("invalid ActivationFn value " + std::to_string(static_cast<int>(fn)));
}

std::optional<ActivationFn> find_function(const std::string& name) {
  for (const FunctionInfo& f : kFunctions)
    if (name == f.name) return f.fn;
  return std::nullopt;
}

// A Leaky ReLU slope or an ELU alpha: negative values would turn the function upside down.
bool valid_param(float v) { return std::isfinite(v) && v >= 0.f; }

std::vector<std::string> spellings() {
  std::vector<std::string> names;
  for (const FunctionInfo& f : kFunctions) names.push_back(f.name);
  return names;
}

void start(LayerSpec& layer, const std::string& type) {
  const ActivationFn fn = *find_function(type);
  layer.act = Activation{fn, info(fn).default_param};
}

void read_activation(LayerSpec& layer, FieldReader& fields) {
  if (const char* field = info(layer.act.fn).param_field) layer.act.alpha = fields.number(field, layer.act.alpha);
}

void write_activation(const LayerSpec& layer, nlohmann::ordered_json& j) {
  if (const char* field = info(layer.act.fn).param_field) j[field] = json_number(layer.act.alpha);
}

// Shapes: y has x's shape.
void fit_activation(LayerSpec& layer, bool) {
  if (const char* field = info(layer.act.fn).param_field)
    check_float(layer.act.alpha, valid_param(layer.act.alpha), field, "a number >= 0");
}

void activation_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  const FunctionInfo& f = info(layer.act.fn);
  if (f.param_field)
    g.node(f.onnx_op, layer.name, {}, {{"alpha", layer.act.alpha}});
  else
    g.node(f.onnx_op, layer.name);
}

}  // namespace

Activation parse_activation(const std::string& text) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::optional<ActivationFn> fn = find_function(name);
  if (!fn) throw std::invalid_argument("unknown activation \"" + text + "\"; expected one of: " + kSpellings);
  Activation act{*fn, info(*fn).default_param};
  if (colon == std::string::npos) return act;

  const std::string param = text.substr(colon + 1);
  const char* field = info(*fn).param_field;
  if (field == nullptr)
    throw std::invalid_argument("activation \"" + name + "\" takes no parameter (got \"" + text +
                                "\"); expected one of: " + kSpellings);
  const auto [end, error] = std::from_chars(param.data(), param.data() + param.size(), act.alpha);
  if (param.empty() || error != std::errc() || end != param.data() + param.size() || !valid_param(act.alpha))
    throw std::invalid_argument("activation \"" + text + "\": the " + field + " after ':' must be a number >= 0");
  return act;
}

std::string to_string(const Activation& act) {
  std::string text = info(act.fn).name;
  if (info(act.fn).param_field != nullptr) text += ":" + float_text(act.alpha);
  return text;
}

const LayerKindInfo& activation_kind() {
  static const LayerKindInfo kind = [] {
    LayerKindInfo k(LayerKind::Activation, "activation", "act", read_activation, write_activation, fit_activation,
                    make_layer_of<ActivationLayer>, activation_to_onnx);
    k.spellings = spellings;
    k.start = start;
    k.spelling = [](const LayerSpec& layer) -> std::string { return info(layer.act.fn).name; };
    k.applies = [](const LayerSpec& layer) { return layer.act; };
    return k;
  }();
  return kind;
}

dnnl::algorithm forward_algorithm(ActivationFn fn) {
  switch (fn) {
    case ActivationFn::ReLU:
    case ActivationFn::LeakyReLU: return algorithm::eltwise_relu;
    case ActivationFn::Tanh: return algorithm::eltwise_tanh;
    case ActivationFn::Sigmoid: return algorithm::eltwise_logistic;
    case ActivationFn::ELU: return algorithm::eltwise_elu;
  }
  throw std::logic_error("unknown activation");
}

dnnl::algorithm backward_algorithm(ActivationFn fn) {
  switch (fn) {
    case ActivationFn::ReLU:
    case ActivationFn::LeakyReLU: return algorithm::eltwise_relu_use_dst_for_bwd;
    case ActivationFn::Tanh: return algorithm::eltwise_tanh_use_dst_for_bwd;
    case ActivationFn::Sigmoid: return algorithm::eltwise_logistic_use_dst_for_bwd;
    case ActivationFn::ELU: return algorithm::eltwise_elu_use_dst_for_bwd;
  }
  throw std::logic_error("unknown activation");
}

float eltwise_alpha(const Activation& act) {
  return act.fn == ActivationFn::LeakyReLU || act.fn == ActivationFn::ELU ? act.alpha : 0.f;
}

dnnl::memory::desc ActivationLayer::setup(const dnnl::memory::desc& src, const SetupOptions& opts) {
  const auto alg = backward_algorithm(spec_.act.fn);
  const float alpha = eltwise_alpha(spec_.act);
  // The *_use_dst_for_bwd algorithm computes the same forward; its descriptor is also the
  // hint the backward descriptor requires when the forward was fused into the previous layer.
  fwd_pd_ = {{opts.forward_kind(), alg, src, alpha, 0.f}, opts.engine};
  if (opts.backward) bwd_pd_ = {{alg, src, src, alpha, 0.f}, opts.engine, fwd_pd_};
  return src;
}

void ActivationLayer::bind(const LayerBuffers& buffers) {
  output_ = buffers.dst;
  if (!fused_) {
    fwd_ = dnnl::eltwise_forward(fwd_pd_);
    fwd_args_ = {{DNNL_ARG_SRC, buffers.src}, {DNNL_ARG_DST, buffers.dst}};
  }
  if (buffers.diff_src) {
    bwd_ = dnnl::eltwise_backward(bwd_pd_);
    bwd_args_ = {{DNNL_ARG_DST, buffers.dst},
                 {DNNL_ARG_DIFF_DST, buffers.diff_dst},
                 {DNNL_ARG_DIFF_SRC, buffers.diff_src}};
  }
}

void ActivationLayer::enable_unit_stats(bool on) {
  counter_.reset(on ? new UnitCounter(fwd_pd_.dst_desc(), spec_.act.fn) : nullptr);
  // The counter's units are the channels of the memory it reads: after a flatten (a view of a
  // 4-D layout) those are the conv's channels, fewer than spec_.out.c.
  counters_.reset(fwd_pd_.dst_desc().dims()[1]);
}

void ActivationLayer::forward(dnnl::stream& stream, const Pass&) {
  if (!fused_) fwd_.execute(stream, fwd_args_);
  if (counter_) {
    stream.wait();
    counter_->accumulate(output_, valid_images_, counters_);
  }
}

void ActivationLayer::backward(dnnl::stream& stream) {
  if (!bwd_args_.empty()) bwd_.execute(stream, bwd_args_);
}

}  // namespace relunet
