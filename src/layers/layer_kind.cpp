#include "layers/layer_kind.hpp"

#include <stdexcept>

#include "layers/activation.hpp"
#include "layers/batch_norm.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "layers/flatten.hpp"
#include "layers/inner_product.hpp"
#include "layers/lrn.hpp"
#include "layers/pool.hpp"
#include "layers/prelu.hpp"

namespace relunet {
namespace {

// Every kind, once, in the order error messages list their types.
const std::vector<const LayerKindInfo*>& registry() {
  static const std::vector<const LayerKindInfo*> kinds = {
      &conv_kind(),       &max_pool_kind(), &avg_pool_kind(), &inner_product_kind(), &lrn_kind(),
      &batch_norm_kind(), &dropout_kind(),  &flatten_kind(),  &activation_kind(),      &prelu_kind()};
  return kinds;
}

std::vector<std::string> spellings(const LayerKindInfo& info) {
  if (info.spellings) return info.spellings();
  return {info.name};
}

}  // namespace

const LayerKindInfo& layer_kind(LayerKind kind) {
  for (const LayerKindInfo* info : registry())
    if (info->kind == kind) return *info;
  throw std::invalid_argument("invalid LayerKind value " + std::to_string(static_cast<int>(kind)));
}

std::string to_string(LayerKind kind) { return layer_kind(kind).name; }

std::optional<LayerSpec> layer_of_type(const std::string& type) {
  for (const LayerKindInfo* info : registry())
    for (const std::string& spelling : spellings(*info))
      if (type == spelling) {
        LayerSpec layer;
        layer.kind = info->kind;
        if (info->start) info->start(layer, type);
        return layer;
      }
  return std::nullopt;
}

std::string file_type(const LayerSpec& layer) {
  const LayerKindInfo& info = layer_kind(layer.kind);
  return info.spelling ? info.spelling(layer) : info.name;
}

std::string valid_types() {
  std::string list;
  for (const LayerKindInfo* info : registry())
    for (const std::string& spelling : spellings(*info)) list += (list.empty() ? "" : ", ") + spelling;
  return list;
}

std::unique_ptr<Layer> make_layer(const LayerSpec& spec, uint64_t seed) {
  return layer_kind(spec.kind).make(spec, seed);
}

}  // namespace relunet
