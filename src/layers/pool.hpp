// pool.hpp — max or average pooling over K x K windows (overlapping when stride < K), with
// padding. Shapes: x N x C x H x W -> y N x C x OH x OW, OH = (H + 2 pad - K) / stride + 1.
// Average pooling divides by the window's in-image size (padding excluded). Max pooling keeps
// the argmax in a workspace from forward for backward.
#pragma once

#include <unordered_map>

#include "layers/layer.hpp"

namespace relunet {

class PoolLayer final : public Layer {
 public:
  using Layer::Layer;
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) override;
  void bind(const LayerBuffers& buffers) override;
  void forward(dnnl::stream& stream, const Pass& pass) override;
  void backward(dnnl::stream& stream) override;

 private:
  dnnl::pooling_forward::primitive_desc fwd_pd_;
  dnnl::pooling_backward::primitive_desc bwd_pd_;
  dnnl::pooling_forward fwd_;
  dnnl::pooling_backward bwd_;
  dnnl::memory workspace_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;
};

}  // namespace relunet
