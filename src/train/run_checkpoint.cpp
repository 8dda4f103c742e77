#include "train/run_checkpoint.hpp"

#include <stdexcept>

#include "io/json_text.hpp"

namespace relunet {
namespace {
// A run's options, counters and unit history: a few hundred KiB for the largest model.
constexpr size_t kMaxTrainStateBytes = 64u << 20;
}  // namespace

void decode_train_state(const Checkpoint& c, const std::string& path,
                        const std::function<void(const nlohmann::json&)>& decode) {
  try {
    decode(parse_json(c.train_state_json, kMaxTrainStateBytes));
  } catch (const std::exception& e) {  // JSON errors, and bad values the decoder refused
    throw std::runtime_error(path + ": malformed training state: " + e.what());
  }
}

}  // namespace relunet
