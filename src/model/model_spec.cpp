// model_spec.cpp — activation spellings, shape inference and whole-model edits of a ModelSpec.
// Value ranges and geometry are checked here (not in the JSON reader) so that a spec built in
// code gets the same validation as one read from a file.
#include "model/model_spec.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "model/model_detail.hpp"

namespace relunet {

namespace detail {

namespace {

struct ActivationInfo {
  ActivationFn fn;
  const char* name;
  const char* param_field;  // nullptr: the function takes no parameter
  float default_param;
};

constexpr ActivationInfo kActivations[] = {
    {ActivationFn::ReLU, "relu", nullptr, 0.f}, {ActivationFn::LeakyReLU, "leaky-relu", "slope", 0.01f},
    {ActivationFn::Tanh, "tanh", nullptr, 0.f}, {ActivationFn::Sigmoid, "sigmoid", nullptr, 0.f},
    {ActivationFn::ELU, "elu", "alpha", 1.f},
};

const ActivationInfo& info(ActivationFn fn) {
  for (const ActivationInfo& a : kActivations)
    if (a.fn == fn) return a;
  throw std::invalid_argument("invalid ActivationFn value " + std::to_string(static_cast<int>(fn)));
}

}  // namespace

std::string float_text(float v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

const char* activation_name(ActivationFn fn) { return info(fn).name; }

std::optional<ActivationFn> find_activation(const std::string& name) {
  for (const ActivationInfo& a : kActivations)
    if (name == a.name) return a.fn;
  return std::nullopt;
}

const char* activation_param_field(ActivationFn fn) { return info(fn).param_field; }

float default_activation_param(ActivationFn fn) { return info(fn).default_param; }

}  // namespace detail

namespace {

constexpr int64_t kMaxSize = int64_t{1} << 24;    // any one size, count or stride: more is a typo
constexpr int64_t kMaxTensor = int64_t{1} << 31;  // elements in one image's activations or a layer's weights

constexpr const char* kActivationSpellings = "relu, leaky-relu[:slope], tanh, sigmoid, elu[:alpha]";

// A Leaky ReLU slope or an ELU alpha: negative values would turn the function upside down.
bool valid_activation_param(float v) { return std::isfinite(v) && v >= 0.f; }

[[noreturn]] void fail_field(const std::string& field, const std::string& problem) {
  throw std::runtime_error("field \"" + field + "\": " + problem);
}

void check_size(int64_t v, const char* field, int64_t min) {
  if (v < min)
    fail_field(field, std::string(min > 0 ? "must be a positive integer" : "must be a non-negative integer") +
                          " (got " + std::to_string(v) + ")");
  if (v > kMaxSize) fail_field(field, std::to_string(v) + " is too large (limit " + std::to_string(kMaxSize) + ")");
}

void check_positive(int64_t v, const char* field) { check_size(v, field, 1); }

void check_float(float v, bool ok, const char* field, const char* rule) {
  if (!ok || !std::isfinite(v))
    fail_field(field, std::string("must be ") + rule + " (got " + detail::float_text(v) + ")");
}

// Multiplies sizes, refusing products above `limit` (and so any that would overflow).
int64_t checked_product(std::initializer_list<int64_t> factors, int64_t limit, const std::string& what) {
  int64_t product = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(product, f, &product) || product > limit)
      throw std::runtime_error(what + " would have more than " + std::to_string(limit) + " elements");
  return product;
}

Shape checked_shape(int64_t c, int64_t h, int64_t w) {
  checked_product({c, h, w}, kMaxTensor,
                  "the output " + std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w));
  return Shape{c, h, w};
}

// Output side of a sliding window (conv or pooling): floor((in + 2*pad - kernel)/stride) + 1.
Shape window_output(const LayerSpec& layer, const Shape& in, int64_t out_channels) {
  check_positive(layer.kernel, "kernel");
  check_positive(layer.stride, "stride");
  check_size(layer.pad, "pad", 0);
  const int64_t padded_h = in.h + 2 * layer.pad, padded_w = in.w + 2 * layer.pad;
  if (layer.kernel > padded_h || layer.kernel > padded_w)
    fail_field("kernel", std::to_string(layer.kernel) + " is larger than the padded input " + std::to_string(padded_h) +
                             "x" + std::to_string(padded_w) + " (input " + std::to_string(in.h) + "x" +
                             std::to_string(in.w) + ", pad " + std::to_string(layer.pad) +
                             "): the activations have shrunk too far for this layer");
  return checked_shape(out_channels, (padded_h - layer.kernel) / layer.stride + 1,
                       (padded_w - layer.kernel) / layer.stride + 1);
}

void fit_conv(LayerSpec& layer, const Shape& in) {
  check_positive(layer.outputs, "filters");
  check_positive(layer.groups, "groups");
  if (in.c % layer.groups != 0)
    fail_field("groups",
               std::to_string(layer.groups) + " does not divide the " + std::to_string(in.c) + " input channels");
  if (layer.outputs % layer.groups != 0)
    fail_field("groups",
               std::to_string(layer.groups) + " does not divide the " + std::to_string(layer.outputs) + " filters");
  layer.out = window_output(layer, in, layer.outputs);
  const int64_t weights = checked_product({layer.outputs, in.c / layer.groups, layer.kernel, layer.kernel}, kMaxTensor,
                                          "the weight tensor");
  layer.param_count = weights + (layer.bias ? layer.outputs : 0);
  layer.macs = checked_product({layer.out.size(), in.c / layer.groups, layer.kernel, layer.kernel},
                               std::numeric_limits<int64_t>::max(), "the multiply-add count");
}

void check_init_std(const LayerSpec& layer) {
  check_float(layer.init_std, layer.init_std >= 0.f, "init_std", "a number >= 0 (0: the fan-based default)");
}

// Dirac and patch-whitening weights are per-channel constructions: no groups.
void check_conv_init(const LayerSpec& layer, const Shape& in, bool first_layer) {
  if (layer.init == ConvInit::Random) return;
  if (layer.groups != 1) fail_field("init", "\"" + to_string(layer.init) + "\" needs groups 1");
  if (layer.init != ConvInit::PatchWhitening) return;
  if (!first_layer)
    fail_field("init", "\"patch-whitening\" applies only to the first layer, which sees the images");
  const int64_t patch = in.c * layer.kernel * layer.kernel;
  if (layer.outputs != 2 * patch)
    fail_field("filters", "a patch-whitening layer has 2 x channels x kernel^2 = " + std::to_string(2 * patch) +
                              " filters (each eigenvector of the patch covariance with both signs), got " +
                              std::to_string(layer.outputs));
}

void fit_pool(LayerSpec& layer, const Shape& in) {
  layer.out = window_output(layer, in, in.c);
  if (layer.pad >= layer.kernel)  // a window could then see padding only
    fail_field("pad", std::to_string(layer.pad) + " must be smaller than the kernel " + std::to_string(layer.kernel));
}

void fit_fully_connected(LayerSpec& layer, const Shape& in) {
  check_positive(layer.outputs, "units");
  layer.out = checked_shape(layer.outputs, 1, 1);  // a spatial input is flattened implicitly
  layer.macs = checked_product({in.size(), layer.outputs}, kMaxTensor, "the weight matrix");
  layer.param_count = layer.macs + (layer.bias ? layer.outputs : 0);
}

void check_activation(const LayerSpec& layer) {
  const char* field = detail::activation_param_field(layer.act.fn);
  if (field != nullptr) check_float(layer.act.alpha, valid_activation_param(layer.act.alpha), field, "a number >= 0");
}

void check_lrn(const LayerSpec& layer) {
  check_positive(layer.lrn_size, "size");
  if (layer.lrn_size % 2 == 0)
    fail_field("size", "must be odd, so the window centres on a channel (got " + std::to_string(layer.lrn_size) + ")");
  check_float(layer.lrn_alpha, layer.lrn_alpha > 0.f, "alpha", "a positive number");
  check_float(layer.lrn_beta, layer.lrn_beta > 0.f, "beta", "a positive number");
  check_float(layer.lrn_k, layer.lrn_k > 0.f, "k", "a positive number");
}

// Validates one layer's hyper-parameters against its input shape and fills out, macs, param_count.
void fit_layer(LayerSpec& layer, const Shape& in, bool first_layer) {
  layer.in = in;
  layer.out = in;
  layer.macs = 0;
  layer.param_count = 0;
  switch (layer.kind) {
    case LayerKind::Conv:
      fit_conv(layer, in);
      check_init_std(layer);
      check_conv_init(layer, in, first_layer);
      break;
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: fit_pool(layer, in); break;
    case LayerKind::FullyConnected:
      fit_fully_connected(layer, in);
      check_init_std(layer);
      check_float(layer.output_scale, layer.output_scale > 0.f, "scale", "a positive number");
      break;
    case LayerKind::Activation: check_activation(layer); break;
    case LayerKind::LRN: check_lrn(layer); break;
    case LayerKind::BatchNorm:
      check_float(layer.bn_eps, layer.bn_eps > 0.f, "eps", "a positive number");
      check_float(layer.bn_momentum, layer.bn_momentum > 0.f && layer.bn_momentum <= 1.f, "momentum", "in (0, 1]");
      layer.param_count = (layer.bn_scale ? 2 : 1) * in.c;  // (scale and) shift per channel
      break;
    case LayerKind::Dropout:
      check_float(layer.dropout, layer.dropout >= 0.f && layer.dropout < 1.f, "p", "in [0, 1)");
      break;
    case LayerKind::Flatten: layer.out = Shape{in.size(), 1, 1}; break;
  }
}

std::string layer_label(size_t index, const LayerSpec& layer) {
  return "layer " + std::to_string(index + 1) + " (\"" + layer.name + "\"): ";
}

}  // namespace

Activation parse_activation(const std::string& text) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::optional<ActivationFn> fn = detail::find_activation(name);
  if (!fn) throw std::invalid_argument("unknown activation \"" + text + "\"; expected one of: " + kActivationSpellings);
  Activation act{*fn, detail::default_activation_param(*fn)};
  if (colon == std::string::npos) return act;

  const std::string param = text.substr(colon + 1);
  if (detail::activation_param_field(*fn) == nullptr)
    throw std::invalid_argument("activation \"" + name + "\" takes no parameter (got \"" + text +
                                "\"); expected one of: " + kActivationSpellings);
  const auto [end, error] = std::from_chars(param.data(), param.data() + param.size(), act.alpha);
  if (param.empty() || error != std::errc() || end != param.data() + param.size() || !valid_activation_param(act.alpha))
    throw std::invalid_argument("activation \"" + text + "\": the " + detail::activation_param_field(*fn) +
                                " after ':' must be a number >= 0");
  return act;
}

std::string to_string(const Activation& act) {
  std::string text = detail::activation_name(act.fn);
  if (detail::activation_param_field(act.fn) != nullptr) text += ":" + detail::float_text(act.alpha);
  return text;
}

std::string to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::Conv: return "conv";
    case LayerKind::MaxPool: return "maxpool";
    case LayerKind::AvgPool: return "avgpool";
    case LayerKind::FullyConnected: return "fc";
    case LayerKind::Activation: return "activation";  // files spell the function instead ("relu")
    case LayerKind::LRN: return "lrn";
    case LayerKind::BatchNorm: return "batchnorm";
    case LayerKind::Dropout: return "dropout";
    case LayerKind::Flatten: return "flatten";
  }
  throw std::invalid_argument("invalid LayerKind value " + std::to_string(static_cast<int>(kind)));
}

std::string to_string(ConvInit init) {
  switch (init) {
    case ConvInit::Random: return "random";
    case ConvInit::Dirac: return "dirac";
    case ConvInit::PatchWhitening: return "patch-whitening";
  }
  throw std::invalid_argument("invalid ConvInit value " + std::to_string(static_cast<int>(init)));
}

void override_activation(ModelSpec& spec, const Activation& act) {
  for (LayerSpec& layer : spec.layers)
    if (layer.kind == LayerKind::Activation) layer.act = act;
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
  const LayerSpec* producer = nullptr;  // the last layer that is not a flatten
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    LayerSpec& layer = spec.layers[i];
    try {
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
