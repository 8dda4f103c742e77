// training_step.hpp — one training step, as llm.c's reads: forward, loss, backward, the
// gradients' mean over the ranks, update. `relunet train`, the time-budget timing and
// `relunet bench` all take this step. A caller that checks something between the phases (the
// trainer's loss allreduce with the stop vote, a test hook) calls forward(), backward() and
// update() itself; run() is the three in a row.
#pragma once

#include <cstdint>

#include "dist/bucketed_mean.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "net/network.hpp"
#include "optim/sgd.hpp"
#include "train/gradient_flow.hpp"

namespace relunet {

// Borrows the parts of a run; it owns nothing and allocates nothing per step.
class TrainingStep {
 public:
  // `gradients` and `batch_statistics`: their means over the ranks, taken in update(); null in a
  // single-process caller.
  TrainingStep(Network& net, SoftmaxCrossEntropy& loss, Sgd& sgd, GradientFlow& gradient_flow,
               BucketedMean* gradients = nullptr, BucketedMean* batch_statistics = nullptr)
      : net_(net), loss_(loss), sgd_(sgd), gradient_flow_(gradient_flow), gradients_(gradients),
        batch_statistics_(batch_statistics) {}

  // The network's forward pass in training mode on its loaded input (`step` picks the dropout
  // mask), then the loss of the first `count` rows against `labels`.
  LossResult forward(const int32_t* labels, int64_t count, uint64_t step);
  // The loss's backward, then the network's (observed by the gradient-flow statistics).
  void backward();
  // The gradients' mean over the ranks, the SGD step at `lr`, the batch-norm statistics' mean over
  // the ranks, and the end of the gradient-flow statistics' step.
  void update(float lr);

  // A data-parallel rank's step: its batch rows are positions `index` + `count` * n of the global
  // batch, so dropout draws the masks one process would draw for those images.
  void set_shard(int index, int count) {
    shard_ = index;
    shards_ = count;
  }

  LossResult run(const int32_t* labels, int64_t count, uint64_t step, float lr) {
    const LossResult r = forward(labels, count, step);
    backward();
    update(lr);
    return r;
  }

 private:
  Network& net_;
  SoftmaxCrossEntropy& loss_;
  Sgd& sgd_;
  GradientFlow& gradient_flow_;
  BucketedMean* gradients_;
  BucketedMean* batch_statistics_;
  int shard_ = 0, shards_ = 1;
};

}  // namespace relunet
