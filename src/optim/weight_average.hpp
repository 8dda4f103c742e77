// weight_average.hpp — an average of the network's weights that evaluation and checkpoints use.
//
// Every `every` optimiser steps, from epoch `start_epoch` on (0-based: 3 skips three epochs):
//   rho = decay^every * progress^ramp        progress = step / planned steps
//   average = rho * average + (1 - rho) * w  (the first update copies w)
//   lookahead only: w = average              (the network continues from the average)
// and lookahead also copies the average into the network at the end of every epoch. The decay
// ramps up with the run's progress, so the average follows the weights closely early on and
// smooths strongly at the end (airbench94: lookahead, every 5 steps, decay 0.95, ramp 3, start 3).
//
// Every tensor of the network is averaged, batch-norm running statistics included. Works
// element-wise on the parameters' own (possibly blocked) layouts, as Sgd does: no reorders, and
// no allocation after construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <dnnl.hpp>

#include "optim/param.hpp"

namespace relunet {

enum class AverageKind {
  None,
  Ema,        // a separate exponential moving average; training continues from its own weights
  Lookahead,  // the average is copied back into the network at every update
};

struct AverageOptions {
  AverageKind kind = AverageKind::None;
  int64_t every = 5;        // optimiser steps between updates
  float decay = 0.95f;      // per step
  float ramp = 3.f;         // the decay is scaled by progress^ramp (0: constant)
  int64_t start_epoch = 3;  // epochs trained before the average starts
};

class WeightAverage {
 public:
  // Allocates one buffer per tensor of `params` unless the kind is None.
  WeightAverage(std::vector<Param*> params, AverageOptions opts);

  // After optimiser step number `step` (1 for the first) of 0-based epoch `epoch`, in a run of
  // `total_steps`: updates the average when one is due.
  void after_step(int64_t step, int64_t epoch, int64_t total_steps);
  // Lookahead: the network takes the average (its last steps are discarded), as at an update
  // with decay 1.
  void end_epoch();

  // Whether the average exists yet (its first update has happened).
  bool active() const { return active_; }
  // Exchanges the contents of the network's tensors and the average's buffers (no-op while
  // inactive). AveragedWeights does it for a scope.
  void swap();

  const AverageOptions& options() const { return opts_; }
  const std::vector<Param*>& params() const { return params_; }
  // The average's buffers, one per params() entry in its layout (empty for kind None).
  std::vector<dnnl::memory>& buffers() { return buffers_; }
  // After a checkpoint restored the average into the network and the live weights into
  // buffers(): exchanges them and marks the average active.
  void restore_swapped();

 private:
  std::vector<Param*> params_;
  std::vector<dnnl::memory> buffers_;
  AverageOptions opts_;
  bool active_ = false;
};

// The network holds the averaged weights while this lives (the live ones when it ends), for
// evaluation and checkpoints.
class AveragedWeights {
 public:
  explicit AveragedWeights(WeightAverage& average) : average_(average) { average_.swap(); }
  ~AveragedWeights() { average_.swap(); }
  AveragedWeights(const AveragedWeights&) = delete;
  AveragedWeights& operator=(const AveragedWeights&) = delete;

 private:
  WeightAverage& average_;
};

AverageKind parse_average_kind(const std::string& text);
std::string to_string(AverageKind kind);

}  // namespace relunet
