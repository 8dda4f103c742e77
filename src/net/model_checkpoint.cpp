#include "net/model_checkpoint.hpp"

#include <stdexcept>

#include "net/network_state.hpp"

namespace relunet {

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

LoadedModel load_model_checkpoint(const std::string& path, int64_t batch, Context& ctx,
                                  NetworkPurpose purpose) {
  LoadedModel m;
  m.path = path;
  m.checkpoint = load_checkpoint(path);
  const ModelSpec spec = parse_model(m.checkpoint.model_json, path + " (model definition)");
  if (static_cast<int64_t>(m.checkpoint.class_names.size()) != spec.classes)
    throw std::runtime_error(path + ": the model has " + std::to_string(spec.classes) +
                             " classes but the checkpoint names " +
                             std::to_string(m.checkpoint.class_names.size()));
  m.net = std::make_unique<Network>(spec, batch, purpose, 0, ctx);
  import_params(*m.net, m.checkpoint.params, path);
  return m;
}

}  // namespace relunet
