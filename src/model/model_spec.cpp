// model_spec.cpp — shape inference and whole-model edits of a ModelSpec. Each layer's own rule is
// its kind's (layers/layer_kind.hpp); here are the rules about the model as a whole. Value
// ranges and geometry are checked here (not in the JSON reader) so that a spec built in code
// gets the same validation as one read from a file.
#include "model/model_spec.hpp"

#include <stdexcept>

#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {
namespace {

// Validates one layer's hyper-parameters against its input shape and fills out, macs, param_count.
void fit_layer(LayerSpec& layer, const Shape& in, bool first_layer) {
  layer.in = in;
  layer.out = in;
  layer.macs = 0;
  layer.param_count = 0;
  layer_kind(layer.kind).fit(layer, first_layer);
}

std::string layer_label(size_t index, const LayerSpec& layer) {
  return "layer " + std::to_string(index + 1) + " (\"" + layer.name + "\"): ";
}

}  // namespace

void override_activation(ModelSpec& spec, const Activation& act) {
  for (LayerSpec& layer : spec.layers)
    if (layer.kind == LayerKind::Activation) layer.act = act;
}

void set_class_count(ModelSpec& spec, int64_t classes) {
  spec.layers.back().outputs = classes;
  spec.classes = classes;
  infer_shapes(spec);
}

void infer_shapes(ModelSpec& spec) {
  try {
    check_positive(spec.input.c, "channels");
    check_positive(spec.input.h, "height");
    check_positive(spec.input.w, "width");
    checked_shape(spec.input.c, spec.input.h, spec.input.w);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("input: ") + e.what());
  }
  check_positive(spec.classes, "classes");
  if (spec.layers.empty()) throw std::runtime_error("field \"layers\": the model has no layers");

  Shape shape = spec.input;
  const LayerSpec* producer = nullptr;    // the last layer that is not a flatten
  const LayerSpec* vectorised = nullptr;  // the first layer that gave each image a vector
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    LayerSpec& layer = spec.layers[i];
    try {
      if (vectorised && layer_kind(layer.kind).needs_image)
        throw std::runtime_error("needs an image (channels x height x width) as its input, but layer \"" +
                                 vectorised->name + "\" before it made each image a vector");
      fit_layer(layer, shape, i == 0);
      // Activations work in place and differentiate from their output, which a second
      // activation in place would overwrite.
      if (layer.kind == LayerKind::Activation && producer && producer->kind == LayerKind::Activation)
        throw std::runtime_error("an activation directly after another activation (\"" + producer->name +
                                 "\") is not supported; remove one of them");
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(layer_label(i, layer) + e.what());
    }
    if (layer.kind != LayerKind::Flatten) producer = &layer;
    if (!vectorised && layer_kind(layer.kind).gives_vector) vectorised = &layer;
    shape = layer.out;
  }

  const LayerSpec& last = spec.layers.back();
  const std::string label = layer_label(spec.layers.size() - 1, last);
  if (last.kind != LayerKind::FullyConnected)
    throw std::runtime_error(label + "the last layer must be an fc layer producing the " +
                             std::to_string(spec.classes) + " class scores, not " + to_string(last.kind));
  if (last.outputs != spec.classes)
    throw std::runtime_error(label + "field \"units\": the last layer has " + std::to_string(last.outputs) +
                             " units but the model has " + std::to_string(spec.classes) + " classes");
}

}  // namespace relunet
