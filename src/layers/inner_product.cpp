#include "layers/inner_product.hpp"

namespace relunet {

// Weights take the rank of the input: O x C x H x W for a spatial input, O x I for a flat one.
dnnl::memory::dims InnerProductLayer::weight_dims(const dnnl::memory::desc& src) const {
  auto dims = src.dims();
  dims[0] = spec_.outputs;
  return dims;
}

WeightedLayer::Descriptors InnerProductLayer::make_descriptors(
    const dnnl::memory::desc& src, const SetupOptions& opts,
    const dnnl::primitive_attr& attr,
    bool same_layouts) const {
  const int64_t batch = src.dims()[0];
  const auto weights_md = any_desc(weight_dims(src));
  const auto bias_md = spec_.bias ? any_desc({spec_.outputs}) : dnnl::memory::desc();
  const auto dst_md = plain_desc({batch, spec_.outputs});

  Descriptors d;
  auto fwd = dnnl::inner_product_forward::primitive_desc(
      {opts.forward_kind(), src, weights_md, bias_md, dst_md}, attr, opts.engine);
  d.forward = fwd;
  if (!opts.backward) return d;
  const auto layout = [&](const dnnl::memory::desc& md) { return same_layouts ? md : any_desc(md.dims()); };
  d.backward_weights = dnnl::inner_product_backward_weights::primitive_desc(
      {layout(fwd.src_desc()), layout(fwd.weights_desc()),
       spec_.bias ? layout(fwd.bias_desc()) : dnnl::memory::desc(), layout(fwd.dst_desc())},
      opts.engine, fwd);
  if (opts.need_diff_src)
    d.backward_data = dnnl::inner_product_backward_data::primitive_desc(
        {layout(fwd.src_desc()), layout(fwd.weights_desc()), layout(fwd.dst_desc())}, opts.engine,
        fwd);
  return d;
}

}  // namespace relunet
