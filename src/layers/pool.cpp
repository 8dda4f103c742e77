#include "layers/pool.hpp"

#include "core/memory.hpp"

namespace relunet {

dnnl::memory::desc PoolLayer::setup(const dnnl::memory::desc& src, const SetupOptions& opts) {
  const auto alg = spec_.kind == LayerKind::MaxPool ? dnnl::algorithm::pooling_max
                                                    : dnnl::algorithm::pooling_avg_exclude_padding;
  const dims_t strides{spec_.stride, spec_.stride}, kernel{spec_.kernel, spec_.kernel},
      pad{spec_.pad, spec_.pad};
  // Output in the input's layout: pooling never forces a reorder between its neighbours.
  const dnnl::memory::desc dst({src.dims()[0], spec_.out.c, spec_.out.h, spec_.out.w}, dt::f32,
                               tag::any);
  fwd_pd_ = {{dnnl::prop_kind::forward_training, alg, src, dst, strides, kernel, pad, pad},
             opts.engine};
  if (opts.backward)
    bwd_pd_ = {{alg, src, fwd_pd_.dst_desc(), strides, kernel, pad, pad}, opts.engine, fwd_pd_};
  return fwd_pd_.dst_desc();
}

void PoolLayer::bind(const LayerBuffers& b) {
  fwd_ = dnnl::pooling_forward(fwd_pd_);
  fwd_args_ = {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_DST, b.dst}};
  if (fwd_pd_.workspace_desc().get_size() > 0) {
    workspace_ = dnnl::memory(fwd_pd_.workspace_desc(), b.src.get_engine());
    fwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
  }
  if (!b.diff_src) return;
  bwd_ = dnnl::pooling_backward(bwd_pd_);
  bwd_args_ = {{DNNL_ARG_DIFF_DST, b.diff_dst}, {DNNL_ARG_DIFF_SRC, b.diff_src}};
  if (workspace_) bwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
}

void PoolLayer::forward(dnnl::stream& stream, const Pass&) { fwd_.execute(stream, fwd_args_); }

void PoolLayer::backward(dnnl::stream& stream) {
  if (!bwd_args_.empty()) bwd_.execute(stream, bwd_args_);
}

}  // namespace relunet
