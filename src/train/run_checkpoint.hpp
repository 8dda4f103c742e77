// run_checkpoint.hpp — building checkpoints from a live run and restoring a network from one.
#pragma once

#include <memory>
#include <string>

#include "core/context.hpp"
#include "io/checkpoint.hpp"
#include "net/network.hpp"

namespace relunet {

// A checkpoint holding the network's parameters; the caller adds optimiser and run state.
Checkpoint checkpoint_of(Network& net, const Normalization& norm,
                         const std::vector<std::string>& class_names);

// Loads `path`, builds its model for `batch` images (inference only) and loads its parameters.
struct LoadedModel {
  Checkpoint checkpoint;
  std::unique_ptr<Network> net;
};
LoadedModel load_model_checkpoint(const std::string& path, int64_t batch, Context& ctx);

}  // namespace relunet
