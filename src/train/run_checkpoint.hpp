// run_checkpoint.hpp — building checkpoints from a live run and restoring a network from one.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/context.hpp"
#include "io/checkpoint.hpp"
#include "net/network.hpp"

namespace relunet {

// A checkpoint holding the network's parameters; the caller adds optimiser and run state.
Checkpoint checkpoint_of(Network& net, const Normalization& norm,
                         const std::vector<std::string>& class_names);

// Parses the checkpoint's training state (its TRST JSON) and hands it to `decode`; a state that
// is not JSON or that `decode` finds malformed or incomplete is a std::runtime_error naming `path`.
void decode_train_state(const Checkpoint& c, const std::string& path,
                        const std::function<void(const nlohmann::json&)>& decode);

// Loads `path`, builds its model for `batch` images (inference only, or with `training` the
// backward pass too) and loads its parameters.
struct LoadedModel {
  std::string path;
  Checkpoint checkpoint;
  std::unique_ptr<Network> net;
};
LoadedModel load_model_checkpoint(const std::string& path, int64_t batch, Context& ctx, bool training = false);

}  // namespace relunet
