// activation.cpp — everything about the activation kind: its model-file spellings (one per
// function, core/activation_fn.hpp) and parameter field, shape rule, oneDNN descriptors (also
// those of the post-op fused into the preceding conv or fc), forward, backward and unit
// statistics, ONNX node.
#include "layers/activation.hpp"

#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {

using dnnl::algorithm;

namespace {

void start(LayerSpec& layer, const std::string& type) {
  const ActivationFn fn = *find_activation(type);
  layer.act = Activation{fn, activation_info(fn).default_param};
}

void read_activation(LayerSpec& layer, FieldReader& fields) {
  if (const char* field = activation_info(layer.act.fn).param_field)
    layer.act.alpha = fields.number(field, layer.act.alpha);
}

void write_activation(const LayerSpec& layer, nlohmann::ordered_json& j) {
  if (const char* field = activation_info(layer.act.fn).param_field) j[field] = json_number(layer.act.alpha);
}

// Shapes: y has x's shape.
void fit_activation(LayerSpec& layer, bool) {
  if (const char* field = activation_info(layer.act.fn).param_field)
    check_float(layer.act.alpha, valid_activation_param(layer.act.alpha), field, "a number >= 0");
}

void activation_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  const ActivationInfo& f = activation_info(layer.act.fn);
  if (f.param_field)
    g.node(f.onnx_op, layer.name, {}, {{"alpha", layer.act.alpha}});
  else
    g.node(f.onnx_op, layer.name);
}

}  // namespace

const LayerKindInfo& activation_kind() {
  static const LayerKindInfo kind = [] {
    LayerKindInfo k(LayerKind::Activation, "activation", "act", read_activation, write_activation, fit_activation,
                    make_layer_of<ActivationLayer>, activation_to_onnx);
    k.spellings = activation_names;
    k.start = start;
    k.spelling = [](const LayerSpec& layer) -> std::string { return activation_info(layer.act.fn).name; };
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
