#include "core/activation_fn.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/float_text.hpp"

namespace relunet {

namespace {

constexpr ActivationInfo kFunctions[] = {
    {ActivationFn::ReLU, "relu", nullptr, 0.f, "Relu"},
    {ActivationFn::LeakyReLU, "leaky-relu", "slope", 0.01f, "LeakyRelu"},
    {ActivationFn::Tanh, "tanh", nullptr, 0.f, "Tanh"},
    {ActivationFn::Sigmoid, "sigmoid", nullptr, 0.f, "Sigmoid"},
    {ActivationFn::ELU, "elu", "alpha", 1.f, "Elu"},
};

constexpr const char* kSpellings = "relu, leaky-relu[:slope], tanh, sigmoid, elu[:alpha]";

}  // namespace

const ActivationInfo& activation_info(ActivationFn fn) {
  for (const ActivationInfo& f : kFunctions)
    if (f.fn == fn) return f;
  throw std::invalid_argument("invalid ActivationFn value " + std::to_string(static_cast<int>(fn)));
}

std::optional<ActivationFn> find_activation(const std::string& name) {
  for (const ActivationInfo& f : kFunctions)
    if (name == f.name) return f.fn;
  return std::nullopt;
}

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const ActivationInfo& f : kFunctions) names.push_back(f.name);
  return names;
}

bool valid_activation_param(float v) { return std::isfinite(v) && v >= 0.f; }

Activation parse_activation(const std::string& text) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::optional<ActivationFn> fn = find_activation(name);
  if (!fn) throw std::invalid_argument("unknown activation \"" + text + "\"; expected one of: " + kSpellings);
  Activation act{*fn, activation_info(*fn).default_param};
  if (colon == std::string::npos) return act;

  const std::string param = text.substr(colon + 1);
  const char* field = activation_info(*fn).param_field;
  if (field == nullptr)
    throw std::invalid_argument("activation \"" + name + "\" takes no parameter (got \"" + text +
                                "\"); expected one of: " + kSpellings);
  const auto [end, error] = std::from_chars(param.data(), param.data() + param.size(), act.alpha);
  if (param.empty() || error != std::errc() || end != param.data() + param.size() || !valid_activation_param(act.alpha))
    throw std::invalid_argument("activation \"" + text + "\": the " + field + " after ':' must be a number >= 0");
  return act;
}

std::string to_string(const Activation& act) {
  std::string text = activation_info(act.fn).name;
  if (activation_info(act.fn).param_field != nullptr) text += ":" + float_text(act.alpha);
  return text;
}

}  // namespace relunet
