// flatten.cpp — the flatten kind: no fields; C x H x W -> C*H*W; ONNX Flatten (once).
#include "layers/flatten.hpp"

#include "layers/layer_kind.hpp"

namespace relunet {

const LayerKindInfo& flatten_kind() {
  static const LayerKindInfo kind = [] {
    LayerKindInfo k(
        LayerKind::Flatten, "flatten", "flatten", [](LayerSpec&, FieldReader&) {},  // no fields
        [](const LayerSpec&, nlohmann::ordered_json&) {},
        [](LayerSpec& layer, bool) { layer.out = Shape{layer.in.size(), 1, 1}; }, make_layer_of<FlattenLayer>,
        [](OnnxGraph& g, const LayerSpec& layer) { g.flatten(layer.name); });
    k.gives_vector = true;
    return k;
  }();
  return kind;
}

}  // namespace relunet
