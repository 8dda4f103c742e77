#include "layers/workspace_layer.hpp"

namespace relunet {

dnnl::memory::desc WorkspaceLayer::setup(const dnnl::memory::desc& src, const SetupOptions& opts) {
  pd_ = make_descriptors(src, opts);
  return pd_.forward.dst_desc();
}

void WorkspaceLayer::bind(const LayerBuffers& b) {
  fwd_ = dnnl::primitive(pd_.forward);
  fwd_args_ = {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_DST, b.dst}};
  if (pd_.forward.workspace_desc().get_size() > 0) {
    workspace_ = dnnl::memory(pd_.forward.workspace_desc(), b.src.get_engine());
    fwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
  }
  if (!b.diff_src) return;
  bwd_ = dnnl::primitive(pd_.backward);
  bwd_args_ = {{DNNL_ARG_DIFF_DST, b.diff_dst}, {DNNL_ARG_DIFF_SRC, b.diff_src}};
  if (backward_reads_src()) bwd_args_[DNNL_ARG_SRC] = b.src;
  if (workspace_) bwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
}

void WorkspaceLayer::forward(dnnl::stream& stream, const Pass&) { fwd_.execute(stream, fwd_args_); }

void WorkspaceLayer::backward(dnnl::stream& stream) {
  if (!bwd_args_.empty()) bwd_.execute(stream, bwd_args_);
}

}  // namespace relunet
