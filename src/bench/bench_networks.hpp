// bench_networks.hpp — the networks the benchmark times, fed with seeded random data instead of
// a data set: random input images, and for training random labels, a softmax cross-entropy loss
// and an SGD optimiser, so one step is exactly what `relunet train` does per batch.
#pragma once

#include <cstdint>
#include <vector>

#include "core/context.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "model/model_spec.hpp"
#include "net/network.hpp"
#include "optim/sgd.hpp"
#include "stats/gradient_flow.hpp"

namespace relunet {

// Fills the network's input with uniform values in [-1, 1) (roughly what normalised images are).
void fill_random_input(Network& net, uint64_t seed);

// An inference-only network with initialised parameters and random input.
class InferenceNetwork {
 public:
  InferenceNetwork(const ModelSpec& spec, int64_t batch, uint64_t seed, Context& ctx);
  void forward() { net_.forward(Pass{false, 0}); }

 private:
  Network net_;
};

// One training step as `relunet train` takes it: initialised parameters, random input and labels.
class TrainingStep {
 public:
  TrainingStep(const ModelSpec& spec, int64_t batch, uint64_t seed, Context& ctx);

  // forward(training) + loss forward and backward + backward + SGD step on net().input(), with
  // the random labels...
  void run() { run(labels_.data(), net_.batch()); }
  // ... or with the caller's labels, of which the first `count` are valid.
  void run(const int32_t* labels, int64_t count);

  // The pieces of run(), for timing them separately; `labels` as for run().
  Pass next_pass() { return Pass{true, step_++}; }  // a new dropout mask every step
  void loss_forward_backward(const int32_t* labels, int64_t count);
  void backward() { net_.backward(gradient_flow_.observer()); }
  void update() {
    sgd_.step(kLearningRate, gradient_flow_.update_norms());
    gradient_flow_.end_step(true);
  }
  const int32_t* random_labels() const { return labels_.data(); }

  Network& net() { return net_; }
  // On, as `relunet train` runs by default.
  GradientFlow& gradient_flow() { return gradient_flow_; }

 private:
  // Small enough that repeated steps on one random batch do not diverge; the cost of a step
  // does not depend on it.
  static constexpr float kLearningRate = 0.01f;

  Network net_;
  SoftmaxCrossEntropy loss_;
  Sgd sgd_;
  GradientFlow gradient_flow_;
  std::vector<int32_t> labels_;
  uint64_t step_ = 0;
};

}  // namespace relunet
