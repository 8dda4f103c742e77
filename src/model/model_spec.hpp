// model_spec.hpp — the declarative description of a network, as read from a model file: the
// input, the classes and the layers' specs (layers/layer_spec.hpp). Reading, writing and shape
// inference ask each layer kind's registration (layers/layer_kind.hpp), so that a model file is
// validated (and its layer table printed) before any primitive exists.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "layers/layer_spec.hpp"

namespace relunet {

struct ModelSpec {
  std::string name;
  Shape input;  // e.g. 3x32x32
  int64_t classes = 0;
  std::vector<LayerSpec> layers;  // the last layer is the fc producing `classes` logits
  // The model's training recipe: `relunet train` options by flag name without "--" ("lr"), with
  // their values as the command line spells them ("1.5", "true"); explicit flags override them.
  std::vector<std::pair<std::string, std::string>> recipe;
};

// Parses a model file's JSON text. `origin` (a file path) prefixes every error message.
// Validates every field and every shape; throws std::runtime_error naming the layer (index,
// name) and field on any mistake.
ModelSpec parse_model(const std::string& json_text, const std::string& origin);

// `name_or_path`: a path to a model file, or NAME looked up as `<models_dir>/NAME.json`.
ModelSpec load_model(const std::string& name_or_path, const std::string& models_dir);

// The canonical JSON text of a spec (what checkpoints store); parse_model(to_json(s)) == s.
std::string to_json(const ModelSpec& spec);

// Replaces the function of every hidden activation layer (the --activation flag).
void override_activation(ModelSpec& spec, const Activation& act);

// Sizes the final fc layer, and the model, for `classes` classes (a data set with another number
// of classes than the model file's, or than a pretrained checkpoint's); the layer's other fields
// stay. The caller initialises that layer afresh.
void set_class_count(ModelSpec& spec, int64_t classes);

// Recomputes in/out shapes, MACs and parameter counts; throws if a layer does not fit its input.
void infer_shapes(ModelSpec& spec);

}  // namespace relunet
