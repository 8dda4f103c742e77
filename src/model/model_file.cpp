// model_file.cpp — the JSON model file: parse_model, to_json, load_model.
//
// Format (models/README.md is the full reference):
//   {
//     "name": "alexnet-cifar",                 required, non-empty string
//     "description": "free text",              optional, ignored
//     "input": {"channels": 3, "height": 32, "width": 32},
//     "classes": 10,
//     "recipe": {"lr": 1.5, ...},              optional: train options by flag name
//     "layers": [ {"type": ..., fields...}, ... ]
//   }
// Layer types and their fields (default after '='; no default means required):
//   conv       filters, kernel, stride=1, pad=0, groups=1, bias=true, init_std (optional),
//              init=random (random | dirac | patch-whitening), frozen=false
//   maxpool    kernel, stride=kernel, pad=0          (pad < kernel)
//   avgpool    kernel, stride=kernel, pad=0          (pad < kernel)
//   fc         units, bias=true, init_std (optional), scale=1 (a spatial input is flattened implicitly)
//   lrn        size=5, alpha=1e-4, beta=0.75, k=2    (across channels; size odd)
//   batchnorm  eps=1e-5, momentum=0.1, scale=true
//   dropout    p=0.5                                 (0 <= p < 1)
//   flatten
//   relu, tanh, sigmoid; leaky-relu slope=0.01; elu alpha=1.0
// Every layer may have a "name" (letters, digits, '_', '-', '.'; unique). Default names number
// each family in order: conv1.., pool1.. (max and avg), fc1.., lrn1.., bn1.., dropout1..,
// flatten1..; an activation is "<unit>.act" after the nearest preceding conv or fc layer <unit>.
// The last layer must be an fc layer with `classes` units. Unknown keys, duplicate keys, wrong
// JSON types, bad values and shapes that do not fit are errors naming the layer and field.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/json_text.hpp"
#include "io/regular_file.hpp"
#include "model/model_detail.hpp"
#include "model/model_spec.hpp"

namespace relunet {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr uintmax_t kMaxModelFileBytes = 16u << 20;  // a model file is a few KiB; refuse giant inputs

constexpr LayerKind kFileKinds[] = {LayerKind::Conv,           LayerKind::MaxPool, LayerKind::AvgPool,
                                    LayerKind::FullyConnected, LayerKind::LRN,     LayerKind::BatchNorm,
                                    LayerKind::Dropout,        LayerKind::Flatten};
constexpr ActivationFn kActivationFns[] = {ActivationFn::ReLU, ActivationFn::LeakyReLU, ActivationFn::Tanh,
                                           ActivationFn::Sigmoid, ActivationFn::ELU};

std::string valid_types() {
  std::string list;
  for (LayerKind kind : kFileKinds) list += to_string(kind) + ", ";
  for (ActivationFn fn : kActivationFns) list += std::string(detail::activation_name(fn)) + ", ";
  return list.substr(0, list.size() - 2);
}

// Family prefix of the default names ("conv" -> conv1, conv2...).
std::string name_prefix(LayerKind kind) {
  switch (kind) {
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: return "pool";
    case LayerKind::BatchNorm: return "bn";
    default: return to_string(kind);
  }
}

// Reads the fields of one JSON object and remembers which keys were asked for, so that any other
// key (a typo) is reported instead of silently ignored. A missing required integer is reported by
// finish(), after unknown keys, since a misspelt key is the likelier cause.
class FieldReader {
 public:
  FieldReader(const json& object, std::string context) : object_(object), context_(std::move(context)) {
    if (!object_.is_object()) throw std::runtime_error(context_ + "must be a JSON object, got " + json_excerpt(object_));
  }

  void set_context(std::string context) { context_ = std::move(context); }

  const json* find(const std::string& key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  const json& required(const std::string& key) {
    const json* value = find(key);
    if (value == nullptr) fail(key, "missing (it is required)");
    return *value;
  }

  int64_t integer(const std::string& key, std::optional<int64_t> fallback = std::nullopt) {
    const json* value = find(key);
    if (value == nullptr && !fallback && first_missing_.empty()) first_missing_ = key;
    if (value == nullptr) return fallback.value_or(0);
    if (!value->is_number_integer()) fail(key, "must be an integer, got " + json_excerpt(*value));
    if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{INT64_MAX}) fail(key, "is too large");
    return value->get<int64_t>();
  }

  float number(const std::string& key, float fallback) {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    if (!value->is_number()) fail(key, "must be a number, got " + json_excerpt(*value));
    const double v = value->get<double>();
    if (!(std::abs(v) <= std::numeric_limits<float>::max())) fail(key, "is out of range, got " + json_excerpt(*value));
    return static_cast<float>(v);
  }

  bool boolean(const std::string& key, bool fallback) {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) fail(key, "must be true or false, got " + json_excerpt(*value));
    return value->get<bool>();
  }

  std::optional<std::string> text(const std::string& key) {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string() || value->get_ref<const std::string&>().empty())
      fail(key, "must be a non-empty string, got " + json_excerpt(*value));
    return value->get<std::string>();
  }

  std::string required_text(const std::string& key) {
    required(key);
    return *text(key);
  }

  // Throws on the first key that no accessor asked for, listing the valid ones, then on the first
  // missing required integer.
  void finish(const std::string& owner) const {
    for (const auto& item : object_.items()) {
      if (std::find(known_.begin(), known_.end(), item.key()) != known_.end()) continue;
      std::string valid;
      for (const std::string& key : known_) valid += (valid.empty() ? "" : ", ") + key;
      fail(item.key(), "unknown field for " + owner + "; valid fields: " + valid);
    }
    if (!first_missing_.empty()) fail(first_missing_, "missing (it is required)");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw std::runtime_error(context_ + "field \"" + key + "\": " + problem);
  }

 private:
  const json& object_;
  std::string context_;
  std::vector<std::string> known_;
  std::string first_missing_;
};

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
    const std::string prefix = name_prefix(layer.kind);
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

// A layer of the given model-file type with its defaults, or nullopt for an unknown type.
std::optional<LayerSpec> layer_of_type(const std::string& type) {
  LayerSpec layer;
  for (LayerKind kind : kFileKinds)
    if (type == to_string(kind)) {
      layer.kind = kind;
      return layer;
    }
  const std::optional<ActivationFn> fn = detail::find_activation(type);
  if (!fn) return std::nullopt;
  layer.kind = LayerKind::Activation;
  layer.act = Activation{*fn, detail::default_activation_param(*fn)};
  return layer;
}

ConvInit conv_init(FieldReader& fields) {
  const std::optional<std::string> text = fields.text("init");
  if (!text) return ConvInit::Random;
  for (ConvInit init : {ConvInit::Random, ConvInit::Dirac, ConvInit::PatchWhitening})
    if (*text == to_string(init)) return init;
  fields.fail("init", "unknown initialisation \"" + *text + "\"; valid: random, dirac, patch-whitening");
}

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

void read_layer_fields(LayerSpec& layer, FieldReader& fields) {
  switch (layer.kind) {
    case LayerKind::Conv:
      layer.outputs = fields.integer("filters");
      layer.kernel = fields.integer("kernel");
      layer.stride = fields.integer("stride", 1);
      layer.pad = fields.integer("pad", 0);
      layer.groups = fields.integer("groups", 1);
      layer.bias = fields.boolean("bias", true);
      layer.init_std = fields.number("init_std", 0.f);
      layer.init = conv_init(fields);
      layer.frozen = fields.boolean("frozen", false);
      break;
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      layer.kernel = fields.integer("kernel");
      layer.stride = fields.integer("stride", layer.kernel);
      layer.pad = fields.integer("pad", 0);
      break;
    case LayerKind::FullyConnected:
      layer.outputs = fields.integer("units");
      layer.bias = fields.boolean("bias", true);
      layer.init_std = fields.number("init_std", 0.f);
      layer.output_scale = fields.number("scale", 1.f);
      break;
    case LayerKind::Activation:
      if (const char* field = detail::activation_param_field(layer.act.fn))
        layer.act.alpha = fields.number(field, layer.act.alpha);
      break;
    case LayerKind::LRN: {
      const LayerSpec defaults;
      layer.lrn_size = fields.integer("size", defaults.lrn_size);
      layer.lrn_alpha = fields.number("alpha", defaults.lrn_alpha);
      layer.lrn_beta = fields.number("beta", defaults.lrn_beta);
      layer.lrn_k = fields.number("k", defaults.lrn_k);
      break;
    }
    case LayerKind::BatchNorm:
      layer.bn_eps = fields.number("eps", LayerSpec().bn_eps);
      layer.bn_momentum = fields.number("momentum", LayerSpec().bn_momentum);
      layer.bn_scale = fields.boolean("scale", true);
      break;
    case LayerKind::Dropout: layer.dropout = fields.number("p", LayerSpec().dropout); break;
    case LayerKind::Flatten: break;
  }
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

  read_layer_fields(*layer, fields);
  fields.finish("layers of type \"" + type + "\"");
  return *layer;
}

ModelSpec read_model(const json& document) {
  FieldReader top(document, "");
  ModelSpec spec;
  spec.name = top.required_text("name");
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

// The JSON number whose shortest text is the float's (0.01f is written 0.01, not 0.009999999776).
double json_number(float v) {
  const std::string text = detail::float_text(v);
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

ordered_json layer_json(const LayerSpec& layer) {
  ordered_json j;
  j["type"] = layer.kind == LayerKind::Activation ? detail::activation_name(layer.act.fn) : to_string(layer.kind);
  j["name"] = layer.name;
  switch (layer.kind) {
    case LayerKind::Conv:
      j["filters"] = layer.outputs;
      j["kernel"] = layer.kernel;
      j["stride"] = layer.stride;
      j["pad"] = layer.pad;
      j["groups"] = layer.groups;
      j["bias"] = layer.bias;
      if (layer.init_std > 0.f) j["init_std"] = json_number(layer.init_std);
      j["init"] = to_string(layer.init);
      j["frozen"] = layer.frozen;
      break;
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      j["kernel"] = layer.kernel;
      j["stride"] = layer.stride;
      j["pad"] = layer.pad;
      break;
    case LayerKind::FullyConnected:
      j["units"] = layer.outputs;
      j["bias"] = layer.bias;
      if (layer.init_std > 0.f) j["init_std"] = json_number(layer.init_std);
      j["scale"] = json_number(layer.output_scale);
      break;
    case LayerKind::Activation:
      if (const char* field = detail::activation_param_field(layer.act.fn)) j[field] = json_number(layer.act.alpha);
      break;
    case LayerKind::LRN:
      j["size"] = layer.lrn_size;
      j["alpha"] = json_number(layer.lrn_alpha);
      j["beta"] = json_number(layer.lrn_beta);
      j["k"] = json_number(layer.lrn_k);
      break;
    case LayerKind::BatchNorm:
      j["eps"] = json_number(layer.bn_eps);
      j["momentum"] = json_number(layer.bn_momentum);
      j["scale"] = layer.bn_scale;
      break;
    case LayerKind::Dropout: j["p"] = json_number(layer.dropout); break;
    case LayerKind::Flatten: break;
  }
  return j;
}

std::string dump(const ordered_json& j) { return json_line(j); }

std::string read_model_file(const std::filesystem::path& path) {
  try {
    return read_regular_file(path.string(), kMaxModelFileBytes);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path.string() + ": cannot read model file: " + e.what());
  }
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
