#include "train/fine_tune.hpp"

#include <spdlog/spdlog.h>

#include <functional>
#include <numeric>
#include <stdexcept>

#include "net/network_state.hpp"
#include "train/checkpoint_split.hpp"

namespace relunet {

Pretrained load_pretrained(const std::string& path, const std::vector<std::string>& classes,
                           const std::string& freeze_before) {
  Pretrained p{path, load_checkpoint(path), {}, false};
  p.spec = parse_model(p.checkpoint.model_json, path + " (model definition)");
  std::string names;
  bool found = false;
  for (const LayerSpec& layer : p.spec.layers) {
    names += (names.empty() ? "" : ", ") + layer.name;
    found = found || layer.name == freeze_before;
  }
  if (!freeze_before.empty() && !found)
    throw std::runtime_error("--freeze-before: the model of " + path + " has no layer '" + freeze_before +
                             "'; its layers: " + names);
  const LayerSpec& last = p.spec.layers.back();
  const auto count = static_cast<int64_t>(classes.size());
  p.replaced_final = p.spec.classes != count || !same_classes(classes, p.checkpoint.class_names);
  const bool renamed = p.spec.classes == count;  // when replaced
  if (p.replaced_final) {
    spdlog::info(
        "--init-from {}: the model has {} classes and the data {}{}: replacing the final layer '{}' "
        "with a freshly initialised one of {} units",
        path, p.spec.classes, count, renamed ? ", named otherwise" : "", last.name, count);
    set_class_count(p.spec, count);
  } else {
    spdlog::info("--init-from {}: starting from all of its weights ({} classes, as the data)", path, count);
  }
  return p;
}

void apply_pretrained(Network& net, const Pretrained& p) {
  const std::string skipped = p.replaced_final ? p.spec.layers.back().name : "";
  import_params(net, p.checkpoint.params, p.path, skipped);
}

std::vector<Param*> trainable_params(Network& net, const std::string& freeze_before) {
  if (freeze_before.empty()) return net.params();
  std::vector<Param*> params;
  bool found = false;
  int64_t frozen = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    found = found || net.layer(i).name() == freeze_before;
    for (Param* param : net.layer(i).params()) {
      if (found)
        params.push_back(param);
      else if (param->trainable())
        frozen += std::accumulate(param->dims.begin(), param->dims.end(), int64_t{1}, std::multiplies<>());
    }
  }
  if (!found) throw std::logic_error("trainable_params: no layer '" + freeze_before + "'");
  spdlog::info(
      "--freeze-before {}: {} parameters of the layers before it stay fixed (batch-norm statistics still "
      "adapt)",
      freeze_before, frozen);
  return params;
}

}  // namespace relunet
