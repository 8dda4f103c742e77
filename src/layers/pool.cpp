#include "layers/pool.hpp"

#include "core/memory.hpp"

namespace relunet {

WorkspaceLayer::Descriptors PoolLayer::make_descriptors(const dnnl::memory::desc& src,
                                                        const SetupOptions& opts) const {
  const auto alg = spec_.kind == LayerKind::MaxPool ? dnnl::algorithm::pooling_max
                                                    : dnnl::algorithm::pooling_avg_exclude_padding;
  const dims_t strides{spec_.stride, spec_.stride}, kernel{spec_.kernel, spec_.kernel},
      pad{spec_.pad, spec_.pad};
  // Output in the input's layout: pooling never forces a reorder between its neighbours.
  const dnnl::memory::desc dst({src.dims()[0], spec_.out.c, spec_.out.h, spec_.out.w}, dt::f32,
                               tag::any);
  Descriptors d;
  const dnnl::pooling_forward::primitive_desc fwd(
      {opts.forward_kind(), alg, src, dst, strides, kernel, pad, pad}, opts.engine);
  d.forward = fwd;
  if (opts.backward)
    d.backward = dnnl::pooling_backward::primitive_desc(
        {alg, src, fwd.dst_desc(), strides, kernel, pad, pad}, opts.engine, fwd);
  return d;
}

}  // namespace relunet
