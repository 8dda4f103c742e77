// inner_product.hpp — fully connected layer, y[n,o] = sum_i W[o,i] x[n,i] + b[o]. A spatial
// input (N x C x H x W, any layout) is flattened implicitly: oneDNN reads it in place, with W
// of logical shape O x C x H x W, so no reorder to a flat layout is needed.
#pragma once

#include "layers/weighted_layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& inner_product_kind();

class InnerProductLayer final : public WeightedLayer {
 public:
  using WeightedLayer::WeightedLayer;

 protected:
  Descriptors make_descriptors(const dnnl::memory::desc& src, const SetupOptions& opts,
                               const dnnl::primitive_attr& attr, bool same_layouts) const override;
  dnnl::memory::dims weight_dims(const dnnl::memory::desc& src) const override;
  int64_t fan_in() const override { return spec_.in.size(); }
  int64_t fan_out() const override { return spec_.outputs; }
};

}  // namespace relunet
