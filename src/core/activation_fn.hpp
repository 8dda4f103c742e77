// activation_fn.hpp — the activation functions relunet knows, as plain values: which function,
// its parameter, and its spellings (the model file's "type", --activation, the ONNX operator).
// Below layers/ (the activation layer and its fused post-op) and stats/ (unit statistics), which
// both speak of them.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace relunet {

enum class ActivationFn { ReLU, LeakyReLU, Tanh, Sigmoid, ELU };

struct Activation {
  ActivationFn fn = ActivationFn::ReLU;
  float alpha = 0.f;  // Leaky ReLU: negative slope; ELU: alpha; unused otherwise
};

// One function's spellings and parameter.
struct ActivationInfo {
  ActivationFn fn;
  const char* name;         // the model-file "type" and the --activation spelling
  const char* param_field;  // nullptr: the function takes no parameter
  float default_param;
  const char* onnx_op;
};

const ActivationInfo& activation_info(ActivationFn fn);
std::optional<ActivationFn> find_activation(const std::string& name);
std::vector<std::string> activation_names();
// A Leaky ReLU slope or an ELU alpha: negative values would turn the function upside down.
bool valid_activation_param(float v);

// "relu", "leaky-relu", "leaky-relu:0.2", "tanh", "sigmoid", "elu", "elu:0.5".
// Throws std::invalid_argument naming the accepted spellings.
Activation parse_activation(const std::string& text);
std::string to_string(const Activation& act);  // inverse of parse_activation

}  // namespace relunet
