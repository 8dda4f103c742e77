#include "layers/lrn.hpp"

namespace relunet {

dnnl::memory::desc LrnLayer::setup(const dnnl::memory::desc& src, const SetupOptions& opts) {
  const auto alg = dnnl::algorithm::lrn_across_channels;
  // oneDNN's alpha is already divided by the window size, as in Caffe and AlexNet's paper.
  fwd_pd_ = {{dnnl::prop_kind::forward_training, alg, src, spec_.lrn_size, spec_.lrn_alpha,
              spec_.lrn_beta, spec_.lrn_k},
             opts.engine};
  if (opts.backward)
    bwd_pd_ = {{alg, src, src, spec_.lrn_size, spec_.lrn_alpha, spec_.lrn_beta, spec_.lrn_k},
               opts.engine, fwd_pd_};
  return fwd_pd_.dst_desc();
}

void LrnLayer::bind(const LayerBuffers& b) {
  fwd_ = dnnl::lrn_forward(fwd_pd_);
  fwd_args_ = {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_DST, b.dst}};
  if (fwd_pd_.workspace_desc().get_size() > 0) {
    workspace_ = dnnl::memory(fwd_pd_.workspace_desc(), b.src.get_engine());
    fwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
  }
  if (!b.diff_src) return;
  bwd_ = dnnl::lrn_backward(bwd_pd_);
  bwd_args_ = {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_DIFF_DST, b.diff_dst}, {DNNL_ARG_DIFF_SRC, b.diff_src}};
  if (workspace_) bwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
}

void LrnLayer::forward(dnnl::stream& stream, const Pass&) { fwd_.execute(stream, fwd_args_); }

void LrnLayer::backward(dnnl::stream& stream) {
  if (!bwd_args_.empty()) bwd_.execute(stream, bwd_args_);
}

}  // namespace relunet
