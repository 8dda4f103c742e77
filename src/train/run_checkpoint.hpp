// run_checkpoint.hpp — the training run's part of a checkpoint: its state (TRST JSON). The
// network's part is net/model_checkpoint.hpp.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "net/model_checkpoint.hpp"

namespace relunet {

// Parses the checkpoint's training state (its TRST JSON) and hands it to `decode`; a state that
// is not JSON or that `decode` finds malformed or incomplete is a std::runtime_error naming `path`.
void decode_train_state(const Checkpoint& c, const std::string& path,
                        const std::function<void(const nlohmann::json&)>& decode);

}  // namespace relunet
