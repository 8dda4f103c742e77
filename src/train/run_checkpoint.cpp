#include "train/run_checkpoint.hpp"

#include <stdexcept>

#include "io/json_text.hpp"
#include "net/network_state.hpp"

namespace relunet {
namespace {
// A run's options, counters and unit history: a few hundred KiB for the largest model.
constexpr size_t kMaxTrainStateBytes = 64u << 20;
}  // namespace

Checkpoint checkpoint_of(Network& net, const Normalization& norm,
                         const std::vector<std::string>& class_names) {
  Checkpoint c;
  c.model_json = to_json(net.spec());
  c.norm = norm;
  c.class_names = class_names;
  c.params = export_params(net);
  c.train_state_json = "{}";
  return c;
}

void decode_train_state(const Checkpoint& c, const std::string& path,
                        const std::function<void(const nlohmann::json&)>& decode) {
  try {
    decode(parse_json(c.train_state_json, kMaxTrainStateBytes));
  } catch (const std::exception& e) {  // JSON errors, and bad values the decoder refused
    throw std::runtime_error(path + ": malformed training state: " + e.what());
  }
}

LoadedModel load_model_checkpoint(const std::string& path, int64_t batch, Context& ctx, bool training) {
  LoadedModel m;
  m.path = path;
  m.checkpoint = load_checkpoint(path);
  const ModelSpec spec = parse_model(m.checkpoint.model_json, path + " (model definition)");
  if (static_cast<int64_t>(m.checkpoint.class_names.size()) != spec.classes)
    throw std::runtime_error(path + ": the model has " + std::to_string(spec.classes) +
                             " classes but the checkpoint names " +
                             std::to_string(m.checkpoint.class_names.size()));
  m.net = std::make_unique<Network>(spec, batch, training, 0, ctx);
  import_params(*m.net, m.checkpoint.params, path);
  return m;
}

}  // namespace relunet
