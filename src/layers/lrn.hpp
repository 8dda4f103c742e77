// lrn.hpp — local response normalisation across channels, as in AlexNet:
// y[c] = x[c] / (k + alpha/size * sum_{c' within size/2 of c} x[c']^2)^beta.
// Shapes: y has x's shape and layout. The workspace from forward serves backward.
#pragma once

#include <unordered_map>

#include "layers/layer.hpp"

namespace relunet {

class LrnLayer final : public Layer {
 public:
  using Layer::Layer;
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) override;
  void bind(const LayerBuffers& buffers) override;
  void forward(dnnl::stream& stream, const Pass& pass) override;
  void backward(dnnl::stream& stream) override;

 private:
  dnnl::lrn_forward::primitive_desc fwd_pd_;
  dnnl::lrn_backward::primitive_desc bwd_pd_;
  dnnl::lrn_forward fwd_;
  dnnl::lrn_backward bwd_;
  dnnl::memory workspace_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;
};

}  // namespace relunet
