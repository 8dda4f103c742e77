// flatten.hpp — N x C x H x W viewed as N x (C*H*W). Nothing moves: the next inner product reads
// the spatial layout directly, so flatten only changes the logical shape in the layer table.
#pragma once

#include "layers/layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& flatten_kind();

class FlattenLayer final : public Layer {
 public:
  using Layer::Layer;
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions&) override { return src; }
  bool in_place() const override { return true; }
  void bind(const LayerBuffers&) override {}
  void forward(dnnl::stream&, const Pass&) override {}
  void backward(dnnl::stream&) override {}
};

}  // namespace relunet
