// conv.hpp — 2-D convolution, y[n,o] = sum_i W[o,i] * x[n,i] + b[o], with stride, padding and
// groups. Shapes: x N x C x H x W, W (G x) O/G x C/G x K x K, y N x O x OH x OW where
// OH = (H + 2 pad - K) / stride + 1.
#pragma once

#include "layers/weighted_layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& conv_kind();

// Plain weight dims: O x C x K x K, or G x O/G x C/G x K x K with groups (what checkpoints hold).
std::vector<int64_t> conv_weight_dims(const LayerSpec& layer);

class ConvLayer final : public WeightedLayer {
 public:
  using WeightedLayer::WeightedLayer;

 protected:
  Descriptors make_descriptors(const dnnl::memory::desc& src, const SetupOptions& opts,
                               const dnnl::primitive_attr& attr, bool same_layouts) const override;
  dnnl::memory::dims weight_dims(const dnnl::memory::desc& src) const override;
  int64_t fan_in() const override;
  int64_t fan_out() const override;
};

}  // namespace relunet
