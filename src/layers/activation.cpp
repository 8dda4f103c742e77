#include "layers/activation.hpp"

namespace relunet {

using dnnl::algorithm;

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
