// activation.hpp — element-wise activation y = f(x): ReLU, Leaky ReLU, tanh, sigmoid, ELU.
//
// Works in place (y overwrites x) and differentiates from y, never x, using oneDNN's
// *_use_dst_for_bwd algorithms: that is what lets the preceding convolution or inner product
// apply f itself as a fused post-op (exactly the same arithmetic), leaving this layer only the
// backward pass and the unit statistics.
#pragma once

#include <memory>
#include <unordered_map>

#include "layers/layer.hpp"
#include "stats/unit_counters.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& activation_kind();

// oneDNN's forward algorithm and alpha for an activation (also used for fused post-ops).
dnnl::algorithm forward_algorithm(ActivationFn fn);
dnnl::algorithm backward_algorithm(ActivationFn fn);  // the *_use_dst_for_bwd variant
float eltwise_alpha(const Activation& act);

class ActivationLayer final : public Layer {
 public:
  using Layer::Layer;
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) override;
  bool in_place() const override { return true; }
  void bind(const LayerBuffers& buffers) override;
  void forward(dnnl::stream& stream, const Pass& pass) override;
  void backward(dnnl::stream& stream) override;
  std::string forward_implementation() const override {
    return fused_ ? std::string() : fwd_pd_.impl_info_str();
  }

  // The previous layer computes f as a post-op; forward() then only counts units.
  void computed_by_previous_layer() { fused_ = true; }
  bool fused() const { return fused_; }

  // Unit statistics: while enabled, every forward() adds its first `images` images to
  // counters(). The caller sets the number of valid images of the batch.
  void enable_unit_stats(bool on);
  void set_valid_images(int64_t images) { valid_images_ = images; }
  UnitCounters& counters() { return counters_; }

 private:
  bool fused_ = false;
  dnnl::eltwise_forward::primitive_desc fwd_pd_;
  dnnl::eltwise_backward::primitive_desc bwd_pd_;
  dnnl::eltwise_forward fwd_;
  dnnl::eltwise_backward bwd_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;
  dnnl::memory output_;
  std::unique_ptr<UnitCounter> counter_;
  UnitCounters counters_;
  int64_t valid_images_ = 0;
};

}  // namespace relunet
