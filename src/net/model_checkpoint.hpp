// model_checkpoint.hpp — a network and its checkpoint: the checkpoint holding a network's
// parameters, and a network restored from a checkpoint file for inference (classify, eval,
// inspect). The training run adds its own state (train/run_checkpoint.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "io/checkpoint.hpp"
#include "net/network.hpp"

namespace relunet {

// A checkpoint holding the network's parameters; the caller adds optimiser and run state.
Checkpoint checkpoint_of(Network& net, const Normalization& norm,
                         const std::vector<std::string>& class_names);

// Loads `path`, builds its model for `batch` images (inference only, or with `training` the
// backward pass too: inspect --gradients) and loads its parameters.
struct LoadedModel {
  std::string path;
  Checkpoint checkpoint;
  std::unique_ptr<Network> net;
};
LoadedModel load_model_checkpoint(const std::string& path, int64_t batch, Context& ctx,
                                  NetworkPurpose purpose = NetworkPurpose::Inference);

}  // namespace relunet
