// memory_estimate.hpp — what a network will allocate, computed from its spec before anything is
// allocated. A model too large for the machine is refused with the figure and the layer at
// fault, instead of failing in oneDNN ("could not create a memory object") or with
// std::bad_alloc after taking every free byte.
#pragma once

#include <cstdint>
#include <string>

#include "model/model_spec.hpp"

namespace relunet {

struct MemoryEstimate {
  double bytes = 0;            // activations, their gradients, parameters and optimiser state
  std::string largest_layer;   // the layer that needs the most
  double largest_layer_bytes = 0;
};

// A lower bound: every layer's output (and, for training, its gradient and the parameters'
// gradients and momentum); oneDNN's scratch buffers come on top.
MemoryEstimate estimate_memory(const ModelSpec& spec, int64_t batch, bool training);

// Throws std::runtime_error when the estimate is more than the memory available now
// (MemAvailable in /proc/meminfo, else the physical memory).
void check_memory(const ModelSpec& spec, int64_t batch, bool training);

}  // namespace relunet
