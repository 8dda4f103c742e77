// param.hpp — a learnable (or persistent) tensor as the optimiser sees it: its value and gradient
// in the layout the layer's primitive chose, and the group whose settings it takes. Layers
// create them; the optimiser, the initialiser and the checkpoint code work on them.
#pragma once

#include <cstdint>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

namespace relunet {

// Which optimiser settings a parameter takes (SgdOptions): conv and fc weights, conv and fc
// biases, batch-norm scales and shifts, PReLU slopes (never decayed: decay would pull them to 0,
// towards a plain ReLU, as He et al. 2015 note).
enum class ParamGroup { Weight, Bias, Norm, Slope };

// A learnable (or persistent) tensor, stored in the layout its primitive prefers.
struct Param {
  enum class Init { Weights, Zeros, Ones, Constant };
  std::string name;           // "conv1.weight"
  dnnl::memory::dims dims;    // logical dims: OIHW (GOIHW with groups), OI, or C
  dnnl::memory value, grad;   // same layout; grad is empty for non-trainable tensors
  Init init = Init::Zeros;
  float constant = 0.f;             // Init::Constant's value
  int64_t fan_in = 0, fan_out = 0;  // for weight initialisation
  ParamGroup group = ParamGroup::Weight;
  bool trainable() const { return static_cast<bool>(grad); }
};

}  // namespace relunet
