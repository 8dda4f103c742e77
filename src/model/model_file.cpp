// model_file.cpp — the JSON model file: parse_model, to_json, load_model.
//
// Format (models/README.md is the full reference):
//   {
//     "name": "alexnet-cifar",                 required, non-empty string without control characters
//     "description": "free text",              optional, ignored
//     "input": {"channels": 3, "height": 32, "width": 32},
//     "classes": 10,
//     "recipe": {"lr": 1.5, ...},              optional: train options by flag name
//     "layers": [ {"type": ..., fields...}, ... ]
//   }
// Each layer type's fields (and their defaults) are read and written by its kind's file, through
// the registry (layers/layer_kind.hpp); models/README.md lists them for users.
// Every layer may have a "name" (letters, digits, '_', '-', '.'; unique). Default names number
// each family in order: conv1.., pool1.. (max and avg), fc1.., lrn1.., bn1.., dropout1..,
// flatten1..; an activation is "<unit>.act" after the nearest preceding conv or fc layer <unit>.
// The last layer must be an fc layer with `classes` units. Unknown keys, duplicate keys, wrong
// JSON types, bad values and shapes that do not fit are errors naming the layer and field.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "io/json_fields.hpp"
#include "io/json_text.hpp"
#include "io/regular_file.hpp"
#include "layers/layer_kind.hpp"
#include "model/model_spec.hpp"

namespace relunet {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr uintmax_t kMaxModelFileBytes = 16u << 20;  // a model file is a few KiB; refuse giant inputs

bool valid_layer_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  });
}

// Assigns default names and the activations' unit layers, and enforces uniqueness.
class LayerNamer {
 public:
  // The layer's name: `explicit_name` if given, else the default for its family.
  std::string name(const LayerSpec& layer, const std::optional<std::string>& explicit_name) {
    if (layer.kind == LayerKind::Activation) return explicit_name.value_or(last_unit_ + ".act");
    const std::string prefix = layer_kind(layer.kind).family;
    const std::string default_name = prefix + std::to_string(++family_count_[prefix]);
    return explicit_name.value_or(default_name);
  }

  // Records the named layer; throws through `fields` if its name is taken.
  void add(const LayerSpec& layer, const FieldReader& fields) {
    const auto [it, inserted] = used_.emplace(layer.name, used_.size() + 1);
    if (!inserted)
      fields.fail("name", "\"" + layer.name + "\" is already the name of layer " + std::to_string(it->second) +
                              " (give one of them a distinct \"name\")");
    if (layer.kind == LayerKind::Conv || layer.kind == LayerKind::FullyConnected) last_unit_ = layer.name;
  }

  // Name of the nearest preceding conv or fc layer ("" before the first).
  const std::string& unit() const { return last_unit_; }

 private:
  std::map<std::string, int> family_count_;
  std::map<std::string, size_t> used_;  // name -> 1-based layer index
  std::string last_unit_;
};

// The recipe's values as the command line spells them: strings as they are, numbers in JSON's
// shortest form, booleans "true"/"false".
std::vector<std::pair<std::string, std::string>> read_recipe(const json& recipe, const FieldReader& top) {
  if (!recipe.is_object()) top.fail("recipe", "must be an object of train options by flag name");
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& item : recipe.items()) {
    const json& v = item.value();
    if (item.key().empty() || item.key()[0] == '-')
      top.fail("recipe", "option names are flag names without \"--\" (got \"" + item.key() + "\")");
    if (!(v.is_string() || v.is_number() || v.is_boolean()))
      top.fail("recipe", "the value of \"" + item.key() + "\" must be a string, number or boolean");
    options.emplace_back(item.key(), v.is_string() ? v.get<std::string>() : v.dump());
  }
  return options;
}

LayerSpec read_layer(const json& value, size_t index, LayerNamer& namer) {
  const std::string position = "layer " + std::to_string(index + 1);
  FieldReader fields(value, position + ": ");
  const std::string type = fields.required_text("type");
  std::optional<LayerSpec> layer = layer_of_type(type);
  if (!layer) fields.fail("type", "unknown layer type \"" + type + "\"; valid types: " + valid_types());
  if (layer->kind == LayerKind::Activation && namer.unit().empty())
    throw std::runtime_error(position + " (" + type + "): an activation must follow a conv or fc layer");

  const std::optional<std::string> explicit_name = fields.text("name");
  if (explicit_name && !valid_layer_name(*explicit_name))
    fields.fail("name", "\"" + *explicit_name + "\" may contain only letters, digits, '_', '-' and '.'");
  layer->name = namer.name(*layer, explicit_name);
  fields.set_context(position + " (\"" + layer->name + "\"): ");
  namer.add(*layer, fields);
  if (layer->kind == LayerKind::Activation) layer->unit_layer = namer.unit();

  layer_kind(layer->kind).read(*layer, fields);
  fields.finish("layers of type \"" + type + "\"");
  return *layer;
}

ModelSpec read_model(const json& document) {
  FieldReader top(document, "");
  ModelSpec spec;
  spec.name = top.required_text("name");
  // The name is logged and printed: a newline or an escape in it could forge a line.
  if (std::any_of(spec.name.begin(), spec.name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    top.fail("name", "must not hold control characters (a newline, an escape)");
  if (const json* description = top.find("description"); description && !description->is_string())
    top.fail("description", "must be a string");  // free text for people, not used

  FieldReader input(top.required("input"), "input: ");
  spec.input = Shape{input.integer("channels"), input.integer("height"), input.integer("width")};
  input.finish("\"input\"");
  // Every data source (CIFAR-10, image folders, classify's files) gives RGB images.
  if (spec.input.c != 3) input.fail("channels", "must be 3, got " + std::to_string(spec.input.c) + ": images are RGB");

  spec.classes = top.integer("classes");
  if (const json* recipe = top.find("recipe")) spec.recipe = read_recipe(*recipe, top);
  const json& layers = top.required("layers");
  top.finish("the top level");
  if (!layers.is_array() || layers.empty()) top.fail("layers", "must be a non-empty array of layer objects");

  LayerNamer namer;
  for (size_t i = 0; i < layers.size(); ++i) spec.layers.push_back(read_layer(layers[i], i, namer));
  return spec;
}

ordered_json layer_json(const LayerSpec& layer) {
  ordered_json j;
  j["type"] = file_type(layer);
  j["name"] = layer.name;
  layer_kind(layer.kind).write(layer, j);
  return j;
}

std::string dump(const ordered_json& j) { return json_line(j); }

std::string read_model_file(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_regular_file(path.string(), kMaxModelFileBytes);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path.string() + ": cannot read model file: " + e.what());
  }
  if (starts_like_checkpoint(text))
    throw std::runtime_error(path.string() + ": a relunet checkpoint, not a model file: --init-from " +
                             path.string() + " fine-tunes from it, --resume continues its run");
  return text;
}

std::string available_models(const std::filesystem::path& dir) {
  std::error_code error;
  std::set<std::string> names;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error))
    if (it->path().extension() == ".json" && it->is_regular_file()) names.insert(it->path().stem().string());
  if (names.empty()) return "none found in " + dir.string();
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return list + " (in " + dir.string() + ")";
}

}  // namespace

ModelSpec parse_model(const std::string& json_text, const std::string& origin) {
  try {
    ModelSpec spec = read_model(parse_json(json_text, kMaxModelFileBytes));
    infer_shapes(spec);
    return spec;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(origin + ": " + e.what());
  }
}

std::string to_json(const ModelSpec& spec) {
  const ordered_json input = {{"channels", spec.input.c}, {"height", spec.input.h}, {"width", spec.input.w}};
  std::string text = "{\n  \"name\": " + dump(spec.name) + ",\n  \"input\": " + dump(input) +
                     ",\n  \"classes\": " + std::to_string(spec.classes) + ",\n";
  if (!spec.recipe.empty()) {
    ordered_json recipe = ordered_json::object();
    for (const auto& [flag, value] : spec.recipe) recipe[flag] = value;
    text += "  \"recipe\": " + dump(recipe) + ",\n";
  }
  text += "  \"layers\": [\n";
  for (size_t i = 0; i < spec.layers.size(); ++i)
    text += "    " + dump(layer_json(spec.layers[i])) + (i + 1 < spec.layers.size() ? ",\n" : "\n");
  return text + "  ]\n}\n";
}

ModelSpec load_model(const std::string& name_or_path, const std::string& models_dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  // Anything there but a directory is read, so that a FIFO or device is refused by name.
  const auto present = [&](const fs::path& p) { return fs::exists(p, error) && !fs::is_directory(p, error); };
  if (present(name_or_path)) return parse_model(read_model_file(name_or_path), name_or_path);
  const bool looks_like_path =
      name_or_path.find('/') != std::string::npos || fs::path(name_or_path).extension() == ".json";
  if (looks_like_path) throw std::runtime_error("model file not found: " + name_or_path);

  const fs::path file = fs::path(models_dir) / (name_or_path + ".json");
  if (present(file)) return parse_model(read_model_file(file), file.string());
  throw std::runtime_error("unknown model \"" + name_or_path + "\" (no file " + file.string() +
                           "); available models: " + available_models(models_dir));
}

}  // namespace relunet
