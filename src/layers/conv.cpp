#include "layers/conv.hpp"

#include <stdexcept>

namespace relunet {

using dnnl::algorithm;

namespace {

algorithm resolved_algorithm(const dnnl::convolution_forward::primitive_desc& pd) {
  const dnnl_convolution_desc_t* desc = nullptr;
  if (dnnl_primitive_desc_query(pd.get(), dnnl_query_convolution_d, 0, &desc) != dnnl_success)
    throw std::logic_error("oneDNN did not describe a convolution primitive");
  return static_cast<algorithm>(desc->alg_kind);
}

}  // namespace

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
  // convolution_auto lets oneDNN take its Winograd F(4x4, 3x3) kernels for 3x3 stride-1 layers
  // where its heuristics expect them to be faster (2-3x per layer here, forward and backward,
  // at a relative RMS difference of about 2e-6 from direct). Always forward_training, even for
  // inference networks: for forward_inference oneDNN 2.6 passes Winograd over for brgconv, which
  // is slower on these layers, and would keep the weights in a Winograd-only layout.
  auto fwd = dnnl::convolution_forward::primitive_desc(
      {dnnl::prop_kind::forward_training, algorithm::convolution_auto, src_md, weights_md,
       bias_md, dst_md, strides, pad, pad},
      attr, opts.engine);
  d.forward = fwd;
  if (!opts.backward) return d;
  // The backward passes use the algorithm oneDNN resolved `auto` to for the forward.
  const algorithm alg = resolved_algorithm(fwd);
  const auto layout = [&](const dnnl::memory::desc& md) { return same_layouts ? md : any_desc(md.dims()); };
  // Gradients in exactly the forward layouts, so no reorders between passes.
  d.backward_weights = dnnl::convolution_backward_weights::primitive_desc(
      {alg, layout(fwd.src_desc()), layout(fwd.weights_desc()),
       spec_.bias ? layout(fwd.bias_desc()) : dnnl::memory::desc(), layout(fwd.dst_desc()),
       strides, pad, pad},
      opts.engine, fwd);
  if (opts.need_diff_src)
    d.backward_data = dnnl::convolution_backward_data::primitive_desc(
        {alg, layout(fwd.src_desc()), layout(fwd.weights_desc()), layout(fwd.dst_desc()),
         strides, pad, pad},
        opts.engine, fwd);
  return d;
}

}  // namespace relunet
