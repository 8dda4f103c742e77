// initialization.hpp — seeded parameter initialisation.
// Weights feeding a ReLU-family activation: He/Kaiming normal, std = gain / sqrt(fan_in) with
// gain^2 = 2 / (1 + slope^2) (ReLU, ELU: slope 0; Leaky ReLU: its slope; PReLU: its initial
// slope, as He et al. 2015 derive it). Weights feeding tanh, sigmoid or nothing (the logits):
// Xavier/Glorot uniform, limit sqrt(6 / (fan_in + fan_out)).
// A layer with init_std in its model file: normal with that std instead. A conv with "init":
// "dirac": that, then its first min(filters, channels) filters are the identity. A
// patch-whitening conv gets the random default here; the trainer computes its weights from data.
// Biases and shifts 0, batch-norm scales 1, PReLU slopes their "init_slope". Values depend only
// on (seed, parameter, element).
#pragma once

#include <cstdint>

#include "net/network.hpp"

namespace relunet {

void initialize_params(Network& net, uint64_t seed);

}  // namespace relunet
