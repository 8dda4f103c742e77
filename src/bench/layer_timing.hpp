// layer_timing.hpp — per-layer forward and backward times of a training step, like `caffe time`:
// each layer runs alone and the stream is drained after it, so a layer's time is its own.
#pragma once

#include <string>
#include <vector>

#include "bench/bench_networks.hpp"

namespace relunet {

struct LayerTime {
  std::string name, type;
  std::string implementation;  // oneDNN's forward implementation; empty when none runs
  double forward_ms = 0, backward_ms = 0;  // medians
};

struct LayerBreakdown {
  std::vector<LayerTime> layers;  // in model order
  double loss_ms = 0;             // loss forward + backward (median)
  double update_ms = 0;           // SGD step (median)
  double total_ms() const;        // everything above: one step measured piece by piece
};

// Times `samples` training steps of `step` layer by layer; the medians per layer. The activation
// layers' times include the unit statistics if they are enabled.
LayerBreakdown time_layers(SyntheticTraining& step, int samples);

}  // namespace relunet
