// dropout.hpp — inverted dropout: in training, y = x * m with m = 1/(1-p) kept or 0 dropped
// (probability p); in inference, y = x. The mask of a step is a pure function of (seed, step,
// element), so a resumed run draws the same masks. Shapes: y has x's shape and layout.
#pragma once

#include <unordered_map>

#include "layers/layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& dropout_kind();

class DropoutLayer final : public Layer {
 public:
  DropoutLayer(LayerSpec spec, uint64_t seed) : Layer(std::move(spec)), seed_(seed) {}
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) override;
  void bind(const LayerBuffers& buffers) override;
  void forward(dnnl::stream& stream, const Pass& pass) override;
  void backward(dnnl::stream& stream) override;

 private:
  void draw_mask(const Pass& pass);

  uint64_t seed_;
  dnnl::memory::desc desc_;
  dnnl::memory mask_;
  dnnl::binary apply_, apply_backward_;
  dnnl::reorder copy_;
  std::unordered_map<int, dnnl::memory> apply_args_, backward_args_, copy_args_;
};

}  // namespace relunet
