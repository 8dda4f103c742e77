// network.hpp — an ordered stack of layers built from a ModelSpec for one batch size.
//
// The network owns every activation and gradient buffer: layer i reads acts[i] and writes
// acts[i+1] (the same memory for in-place layers), each in the layout its producer chose, so
// data moves between primitives without reorders. Activations directly after a convolution or
// inner product are fused into it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/context.hpp"
#include "layers/activation.hpp"
#include "layers/layer.hpp"
#include "model/model_spec.hpp"

namespace relunet {

// What a network is built for: inference needs the forward primitives only, training also the
// backward primitives and the gradient buffers.
enum class NetworkPurpose { Inference, Training };

class Network {
 public:
  // `seed` drives dropout.
  Network(const ModelSpec& spec, int64_t batch, NetworkPurpose purpose, uint64_t seed, Context& ctx);

  const ModelSpec& spec() const { return spec_; }
  int64_t batch() const { return batch_; }
  bool training() const { return training_; }
  Context& context() { return ctx_; }

  // Images go here: plain N x C x H x W floats.
  float* input() { return static_cast<float*>(acts_.front().get_data_handle()); }
  const dnnl::memory& logits() const { return acts_.back(); }
  const dnnl::memory& logits_grad() const { return diffs_.back(); }

  void forward(const Pass& pass);
  // After the loss has written logits_grad(). `after_layer(i)`, if given, runs as soon as layer
  // i's backward has finished (the gradient-flow statistics read the gradients there).
  void backward(const std::function<void(size_t)>& after_layer = {});
  // One layer at a time, for per-layer timing.
  void forward_layer(size_t i, const Pass& pass) { layers_[i]->forward(ctx_.stream, pass); }
  void backward_layer(size_t i) { layers_[i]->backward(ctx_.stream); }

  size_t size() const { return layers_.size(); }
  // Layer i's output (acts[i+1]) and its gradient, in the layouts the primitives chose.
  const dnnl::memory& output_of(size_t i) const { return acts_[i + 1]; }
  const dnnl::memory& output_grad_of(size_t i) const { return diffs_[i + 1]; }
  Layer& layer(size_t i) { return *layers_[i]; }
  std::vector<Param*> params();
  const std::vector<ActivationLayer*>& activations() const { return activations_; }
  // The first `images` images of each batch count for unit statistics.
  void set_valid_images(int64_t images);

 private:
  ModelSpec spec_;
  int64_t batch_;
  bool training_;
  Context& ctx_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<dnnl::memory> acts_, diffs_;
  std::vector<ActivationLayer*> activations_;
};

}  // namespace relunet
