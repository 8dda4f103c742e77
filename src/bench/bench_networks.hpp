// bench_networks.hpp — the networks the benchmark times, fed with seeded random data instead of
// a data set: random input images, and for training random labels, a softmax cross-entropy loss
// and an SGD optimiser, so one step is exactly what `relunet train` does per batch
// (the same TrainingStep).
#pragma once

#include <cstdint>
#include <vector>

#include "core/context.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "model/model_spec.hpp"
#include "net/network.hpp"
#include "optim/sgd.hpp"
#include "train/gradient_flow.hpp"
#include "train/training_step.hpp"

namespace relunet {

// Fills the network's input with uniform values in [-1, 1) (roughly what normalised images are).
void fill_random_input(Network& net, uint64_t seed);

// An inference-only network with initialised parameters and random input.
class InferenceNetwork {
 public:
  InferenceNetwork(const ModelSpec& spec, int64_t batch, uint64_t seed, Context& ctx);
  void forward() { net_.forward(Pass::inference()); }

 private:
  Network net_;
};

// A training network as `relunet train` builds it, with initialised parameters, random input and
// random labels; its steps are the trainer's own (TrainingStep).
class SyntheticTraining {
 public:
  SyntheticTraining(const ModelSpec& spec, int64_t batch, uint64_t seed, Context& ctx);

  // One training step on net().input(), with the random labels...
  void run() { run(labels_.data(), net_.batch()); }
  // ... or with the caller's labels, of which the first `count` are valid.
  void run(const int32_t* labels, int64_t count) { step_.run(labels, count, step_number_++, kLearningRate); }
  // The step of a data-parallel run: update() first takes the gradients' mean over the ranks.
  TrainingStep averaging(BucketedMean& gradients) {
    return TrainingStep(net_, loss_, sgd_, gradient_flow_, &gradients);
  }
  // The step's next number (a new dropout mask every step) and learning rate, for callers that
  // take its phases one by one.
  uint64_t next_step_number() { return step_number_++; }
  static constexpr float learning_rate() { return kLearningRate; }

  // The pieces of a step, for timing them separately (layer_timing.cpp); `labels` as for run().
  Pass next_pass() { return Pass::training_step(step_number_++); }
  void loss_forward_backward(const int32_t* labels, int64_t count);
  void update() { step_.update(kLearningRate); }
  const int32_t* random_labels() const { return labels_.data(); }

  Network& net() { return net_; }
  TrainingStep& step() { return step_; }
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
  TrainingStep step_;
  std::vector<int32_t> labels_;
  uint64_t step_number_ = 0;
};

}  // namespace relunet
