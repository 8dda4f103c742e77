// prelu.hpp — parametric ReLU (He et al. 2015), one learnable slope per channel:
//   y[n,c,h,w] = x[n,c,h,w] if x > 0, else a[c] * x[n,c,h,w]
//   dL/dx = dL/dy if x > 0, else a[c] dL/dy;  dL/da[c] = sum over n, h, w of x <= 0 of x dL/dy
// Shapes: y has x's shape; a has one value per channel (C), or per feature (C*H*W) after a
// flatten, where each feature is a unit of its own. Unlike the activation kind it is not computed
// in place (backward needs x) and is never fused into the layer before.
#pragma once

#include <unordered_map>

#include "core/memory.hpp"
#include "layers/layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& prelu_kind();

class PReluLayer final : public Layer {
 public:
  using Layer::Layer;
  std::vector<Param*> params() override { return {&slope_}; }  // the slopes
  std::string forward_implementation() const override { return fwd_pd_.impl_info_str(); }
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) override;
  void bind(const LayerBuffers& buffers) override;
  void forward(dnnl::stream& stream, const Pass& pass) override;
  void backward(dnnl::stream& stream) override;

 private:
  dnnl::prelu_forward::primitive_desc fwd_pd_;
  dnnl::prelu_backward::primitive_desc bwd_pd_;
  dnnl::prelu_forward fwd_;
  dnnl::prelu_backward bwd_;
  Param slope_;  // plain, C values (what checkpoints hold)
  // The slopes as the primitives read and write them, broadcast over x: 1 x C (x 1 x 1), or
  // 1 x C x H x W after a flatten. The plain shape is a view of slope_; the primitives' layouts
  // (format_tag::any, oneDNN's choice) are reached by reorders only when they differ.
  dnnl::memory::desc broadcast_;
  Relayout slope_in_, diff_slope_out_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;
};

}  // namespace relunet
