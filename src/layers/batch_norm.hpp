// batch_norm.hpp — batch normalisation per channel: y = gamma * (x - mean) / sqrt(var + eps) + beta,
// or without a learnable scale (the model file's "scale": false) y = (x - mean) / sqrt(var + eps) + beta.
// Training uses the batch's statistics and updates running averages (running += momentum *
// (batch - running), unbiased variance, as PyTorch); inference uses the running averages.
// Shapes: y has x's shape and layout.
#pragma once

#include <unordered_map>

#include "layers/layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& batch_norm_kind();

class BatchNormLayer final : public Layer {
 public:
  using Layer::Layer;
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) override;
  void bind(const LayerBuffers& buffers) override;
  void forward(dnnl::stream& stream, const Pass& pass) override;
  void backward(dnnl::stream& stream) override;
  std::vector<Param*> params() override;
  // The training primitive's where the network trains (batch statistics), else the inference one.
  std::string forward_implementation() const override {
    return (train_pd_ ? train_pd_ : infer_pd_).impl_info_str();
  }

 private:
  void update_running_stats();

  int64_t batch_ = 0;
  dnnl::batch_normalization_forward::primitive_desc train_pd_, infer_pd_;
  dnnl::batch_normalization_backward::primitive_desc bwd_pd_;
  dnnl::batch_normalization_forward train_, infer_;
  dnnl::batch_normalization_backward bwd_;
  Param scale_, shift_, running_mean_, running_var_;
  dnnl::memory batch_mean_, batch_var_;
  std::unordered_map<int, dnnl::memory> train_args_, infer_args_, bwd_args_;
};

}  // namespace relunet
