// gradient_flow.hpp — per-layer gradient-flow statistics: how large the gradients are that reach
// each layer in backpropagation, averaged over the steps of an epoch (train) or over a number of
// batches (`relunet inspect --gradients`). They show vanishing gradients: with sigmoid or tanh in
// a deep plain network the first layers' gradients are orders of magnitude below the last ones'.
//
// Definitions (README quotes them, under "Gradient-flow statistics"):
// - L is the batch's loss, the mean over its images. Norms are Euclidean norms over the whole
//   tensor of one batch; a layer's figure is the mean of the per-step norms.
// - Weight gradient norm: ||dL/dW|| of the layer's weight tensor (conv or fc; biases excluded),
//   before weight decay.
// - Update ratio: ||dW|| / ||W||, the optimiser step (learning rate, momentum and weight decay
//   included) against the weights before it. Training only.
// - Activation-input gradient norm: ||dL/dx||, x the input of the activation that follows the
//   layer (its pre-activation), over the batch's valid images.
// - Zero fraction: the fraction of the elements of dL/dx that are exactly 0 (ReLU: every x <= 0,
//   plus wherever the gradient from above is 0, e.g. the losers of a max-pool window).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/network.hpp"
#include "optim/sgd.hpp"

namespace relunet {

struct LayerGradientReport {
  std::string layer;       // conv or fc layer ("conv2")
  std::string activation;  // the activation after it ("relu"); empty for the output layer
  int64_t steps = 0;
  bool has_weights = false, has_updates = false, has_activation = false;
  double weight_grad_norm = 0, update_ratio = 0;
  double act_grad_norm = 0, act_grad_zero_fraction = 0;
};

// Absent figures (no activation, no update) are JSON null.
nlohmann::json to_json(const LayerGradientReport& r);

// Accumulates the statistics of one network's steps. Disabled, it costs nothing: observer() is
// empty and update_norms() null, so backward and the optimiser step run as without statistics.
class GradientFlow {
 public:
  // `params`: the trainable parameters, in the optimiser's order (Sgd::params()) when its updates
  // are measured; the gradients of those of ParamGroup::Weight are measured.
  GradientFlow(Network& net, std::vector<Param*> params, bool enabled);

  bool enabled() const { return enabled_; }
  void set_enabled(bool on) { enabled_ = on; }

  // For Network::backward(): measures the gradient at an activation's input once its backward
  // has run. The first `images` of each batch count (set_valid_images).
  std::function<void(size_t)> observer();
  void set_valid_images(int64_t images) { valid_images_ = images; }
  // For Sgd::step(): where it writes the update norms; null when disabled.
  std::vector<UpdateNorms>* update_norms();
  // After the step's backward (and optimiser step): adds the weight gradients' norms, and with
  // `updated` the update ratios that Sgd::step() wrote into update_norms().
  void end_step(bool updated);

  std::vector<LayerGradientReport> report() const;
  void reset();

 private:
  struct Sums {
    int64_t weight_steps = 0, update_steps = 0, act_steps = 0;
    double weight_grad_norm = 0, update_ratio = 0, act_grad_norm = 0;
    int64_t act_zeros = 0, act_elements = 0;
  };
  struct Entry {
    std::string layer, activation;
    int64_t param = -1;  // index into params_ of its weight, -1 for none
    Sums sums;
  };
  Entry& entry(const std::string& layer);

  Network& net_;
  std::vector<Param*> params_;
  bool enabled_;
  int64_t valid_images_;
  std::vector<Entry> entries_;     // conv and fc layers in network order
  std::vector<int64_t> act_entry_;  // per network layer: its entry if it is a measured activation, else -1
  std::vector<UpdateNorms> norms_;  // per parameter
};

// Sum of squares and exact zeros of a tensor in any layout, padding of blocked layouts not
// counted; with `images` >= 0 only of the first `images` along dimension 0 (the batch), which must
// then be the outermost dimension of the layout unless it is all of them.
struct TensorMoments {
  double sum_squares = 0;
  int64_t zeros = 0, elements = 0;
};
TensorMoments tensor_moments(const dnnl::memory& mem, int64_t images = -1);

// The per-layer table `relunet inspect --gradients` prints.
std::string gradient_table(const std::vector<LayerGradientReport>& reports);

}  // namespace relunet
