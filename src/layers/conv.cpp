#include "layers/conv.hpp"

namespace relunet {

using dnnl::algorithm;
using dnnl::prop_kind;

dnnl::memory::dims ConvLayer::weight_dims(const dnnl::memory::desc&) const {
  const int64_t g = spec_.groups, k = spec_.kernel;
  if (g == 1) return {spec_.outputs, spec_.in.c, k, k};
  return {g, spec_.outputs / g, spec_.in.c / g, k, k};
}

int64_t ConvLayer::fan_in() const { return spec_.in.c / spec_.groups * spec_.kernel * spec_.kernel; }
int64_t ConvLayer::fan_out() const {
  return spec_.outputs / spec_.groups * spec_.kernel * spec_.kernel;
}

WeightedLayer::Descriptors ConvLayer::make_descriptors(const dnnl::memory::desc& src,
                                                       const SetupOptions& opts,
                                                       const dnnl::primitive_attr& attr,
    bool same_layouts) const {
  const int64_t batch = src.dims()[0];
  const dims_t strides{spec_.stride, spec_.stride}, pad{spec_.pad, spec_.pad};
  const auto src_md = any_desc(src.dims());
  const auto weights_md = any_desc(weight_dims(src));
  const auto bias_md = spec_.bias ? any_desc({spec_.outputs}) : dnnl::memory::desc();
  const auto dst_md = any_desc({batch, spec_.out.c, spec_.out.h, spec_.out.w});

  Descriptors d;
  auto fwd = dnnl::convolution_forward::primitive_desc(
      {prop_kind::forward_training, algorithm::convolution_direct, src_md, weights_md, bias_md,
       dst_md, strides, pad, pad},
      attr, opts.engine);
  d.forward = fwd;
  if (!opts.backward) return d;
  const auto layout = [&](const dnnl::memory::desc& md) { return same_layouts ? md : any_desc(md.dims()); };
  // Gradients in exactly the forward layouts, so no reorders between passes.
  d.backward_weights = dnnl::convolution_backward_weights::primitive_desc(
      {algorithm::convolution_direct, layout(fwd.src_desc()), layout(fwd.weights_desc()),
       spec_.bias ? layout(fwd.bias_desc()) : dnnl::memory::desc(), layout(fwd.dst_desc()),
       strides, pad, pad},
      opts.engine, fwd);
  if (opts.need_diff_src)
    d.backward_data = dnnl::convolution_backward_data::primitive_desc(
        {algorithm::convolution_direct, layout(fwd.src_desc()), layout(fwd.weights_desc()),
         layout(fwd.dst_desc()), strides, pad, pad},
        opts.engine, fwd);
  return d;
}

}  // namespace relunet
