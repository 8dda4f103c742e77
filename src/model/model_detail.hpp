// model_detail.hpp — spellings and number formatting shared by the model sources (model_spec.cpp,
// model_file.cpp). Internal to src/model: other modules use model_spec.hpp.
#pragma once

#include <optional>
#include <string>

#include "model/model_spec.hpp"

namespace relunet::detail {

// Shortest decimal text that reads back as exactly `v` ("0.01", not "0.00999999978").
std::string float_text(float v);

// Model-file spelling of an activation function ("leaky-relu") and its inverse.
const char* activation_name(ActivationFn fn);
std::optional<ActivationFn> find_activation(const std::string& name);

// The model-file field holding the function's parameter ("slope", "alpha"), or nullptr if it
// has none; and the parameter's default.
const char* activation_param_field(ActivationFn fn);
float default_activation_param(ActivationFn fn);

}  // namespace relunet::detail
