// batch_norm.cpp — everything about the batch normalisation kind: model-file fields, shape rule,
// oneDNN descriptors, forward, backward and parameters, ONNX node.
#include "layers/batch_norm.hpp"

#include "core/memory.hpp"
#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {
namespace {

void read_batch_norm(LayerSpec& layer, FieldReader& fields) {
  layer.bn_eps = fields.number("eps", LayerSpec().bn_eps);
  layer.bn_momentum = fields.number("momentum", LayerSpec().bn_momentum);
  layer.bn_scale = fields.boolean("scale", true);
}

void write_batch_norm(const LayerSpec& layer, nlohmann::ordered_json& j) {
  j["eps"] = json_number(layer.bn_eps);
  j["momentum"] = json_number(layer.bn_momentum);
  j["scale"] = layer.bn_scale;
}

// Shapes: y has x's shape; (scale and) shift per channel.
void fit_batch_norm(LayerSpec& layer, bool) {
  check_float(layer.bn_eps, layer.bn_eps > 0.f, "eps", "a positive number");
  check_float(layer.bn_momentum, layer.bn_momentum > 0.f && layer.bn_momentum <= 1.f, "momentum", "in (0, 1]");
  layer.param_count = (layer.bn_scale ? 2 : 1) * layer.in.c;
}

// As an operator with the running statistics: the exact inference computation, and a consumer
// may fold it into the layer before.
void batch_norm_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  const std::vector<int64_t> dims{layer.out.c};
  // Without a learnable scale relunet's scale is 1: a constant, as ONNX needs one.
  const std::vector<std::string> inputs{
      layer.bn_scale ? g.param(layer.name + ".scale", dims)
                     : g.constant(layer.name + ".scale", dims, std::vector<float>(size_t(layer.out.c), 1.f)),
      g.param(layer.name + ".shift", dims), g.param(layer.name + ".running_mean", dims),
      g.param(layer.name + ".running_var", dims)};
  g.node("BatchNormalization", layer.name, inputs, {{"epsilon", layer.bn_eps}});
}

}  // namespace

const LayerKindInfo& batch_norm_kind() {
  static const LayerKindInfo kind(LayerKind::BatchNorm, "batchnorm", "bn", read_batch_norm, write_batch_norm,
                                  fit_batch_norm, make_layer_of<BatchNormLayer>, batch_norm_to_onnx);
  return kind;
}

using dnnl::normalization_flags;
using dnnl::prop_kind;

dnnl::memory::desc BatchNormLayer::setup(const dnnl::memory::desc& src, const SetupOptions& opts) {
  batch_ = src.dims()[0];
  const auto affine = spec_.bn_scale ? normalization_flags::use_scale | normalization_flags::use_shift
                                     : normalization_flags::use_shift;
  infer_pd_ = {{prop_kind::forward_inference, src, spec_.bn_eps,
                affine | normalization_flags::use_global_stats},
               opts.engine};
  if (opts.backward) {
    train_pd_ = {{prop_kind::forward_training, src, spec_.bn_eps, affine}, opts.engine};
    bwd_pd_ = {{prop_kind::backward, src, src, spec_.bn_eps, affine}, opts.engine, train_pd_};
  }
  const int64_t channels = spec_.out.c;
  auto make = [&](Param& p, const char* suffix, Param::Init init, bool trainable) {
    p.name = name() + suffix;
    p.dims = {channels};
    p.value = dnnl::memory(plain_desc(p.dims), opts.engine);
    if (trainable && opts.backward) p.grad = dnnl::memory(plain_desc(p.dims), opts.engine);
    p.init = init;
    p.group = ParamGroup::Norm;
  };
  if (spec_.bn_scale) make(scale_, ".scale", Param::Init::Ones, true);
  make(shift_, ".shift", Param::Init::Zeros, true);
  make(running_mean_, ".running_mean", Param::Init::Zeros, false);
  make(running_var_, ".running_var", Param::Init::Ones, false);
  return infer_pd_.dst_desc();
}

void BatchNormLayer::bind(const LayerBuffers& b) {
  infer_ = dnnl::batch_normalization_forward(infer_pd_);
  infer_args_ = {{DNNL_ARG_SRC, b.src},
                 {DNNL_ARG_DST, b.dst},
                 {DNNL_ARG_MEAN, running_mean_.value},
                 {DNNL_ARG_VARIANCE, running_var_.value},
                 {DNNL_ARG_SHIFT, shift_.value}};
  if (spec_.bn_scale) infer_args_[DNNL_ARG_SCALE] = scale_.value;
  if (!b.diff_dst) return;
  const auto& engine = b.src.get_engine();
  batch_mean_ = dnnl::memory(train_pd_.mean_desc(), engine);
  batch_var_ = dnnl::memory(train_pd_.variance_desc(), engine);
  train_ = dnnl::batch_normalization_forward(train_pd_);
  train_args_ = infer_args_;
  train_args_[DNNL_ARG_MEAN] = batch_mean_;
  train_args_[DNNL_ARG_VARIANCE] = batch_var_;
  bwd_ = dnnl::batch_normalization_backward(bwd_pd_);
  bwd_args_ = {{DNNL_ARG_SRC, b.src},
               {DNNL_ARG_MEAN, batch_mean_},
               {DNNL_ARG_VARIANCE, batch_var_},
               {DNNL_ARG_DIFF_DST, b.diff_dst},
               {DNNL_ARG_SHIFT, shift_.value},  // oneDNN 2.6 requires it with use_shift
               {DNNL_ARG_DIFF_SHIFT, shift_.grad}};
  if (spec_.bn_scale) {
    bwd_args_[DNNL_ARG_SCALE] = scale_.value;
    bwd_args_[DNNL_ARG_DIFF_SCALE] = scale_.grad;
  }
  // The first layer needs no input gradient, but oneDNN always computes one: give it scratch.
  bwd_args_[DNNL_ARG_DIFF_SRC] = b.diff_src ? b.diff_src : dnnl::memory(b.src.get_desc(), engine);
}

void BatchNormLayer::forward(dnnl::stream& stream, const Pass& pass) {
  if (!pass.training) {
    infer_.execute(stream, infer_args_);
    return;
  }
  train_.execute(stream, train_args_);
  stream.wait();
  update_running_stats();
}

void BatchNormLayer::update_running_stats() {
  const int64_t channels = spec_.out.c;
  const int64_t per_channel = batch_ * spec_.out.h * spec_.out.w;
  const float unbias = per_channel > 1 ? float(per_channel) / float(per_channel - 1) : 1.f;
  const float* mean = data_of(batch_mean_);
  const float* var = data_of(batch_var_);
  float* run_mean = data_of(running_mean_.value);
  float* run_var = data_of(running_var_.value);
  const float momentum = spec_.bn_momentum;
  for (int64_t c = 0; c < channels; ++c) {
    run_mean[c] += momentum * (mean[c] - run_mean[c]);
    run_var[c] += momentum * (var[c] * unbias - run_var[c]);
  }
}

void BatchNormLayer::backward(dnnl::stream& stream) { bwd_.execute(stream, bwd_args_); }

std::vector<Param*> BatchNormLayer::params() {
  if (!spec_.bn_scale) return {&shift_, &running_mean_, &running_var_};
  return {&scale_, &shift_, &running_mean_, &running_var_};
}

}  // namespace relunet
