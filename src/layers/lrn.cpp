#include "layers/lrn.hpp"

namespace relunet {

WorkspaceLayer::Descriptors LrnLayer::make_descriptors(const dnnl::memory::desc& src,
                                                       const SetupOptions& opts) const {
  const auto alg = dnnl::algorithm::lrn_across_channels;
  // oneDNN's alpha is already divided by the window size, as in Caffe and AlexNet's paper.
  Descriptors d;
  const dnnl::lrn_forward::primitive_desc fwd(
      {opts.forward_kind(), alg, src, spec_.lrn_size, spec_.lrn_alpha, spec_.lrn_beta,
       spec_.lrn_k},
      opts.engine);
  d.forward = fwd;
  if (opts.backward)
    d.backward = dnnl::lrn_backward::primitive_desc(
        {alg, src, src, spec_.lrn_size, spec_.lrn_alpha, spec_.lrn_beta, spec_.lrn_k}, opts.engine, fwd);
  return d;
}

}  // namespace relunet
