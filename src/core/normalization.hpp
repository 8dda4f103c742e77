// normalization.hpp — the images' per-channel input normalisation. A plain value: computed from
// the training split (data/), stored in checkpoints (io/) and applied to every image that enters
// a network, so it sits below all of them.
#pragma once

#include <array>

namespace relunet {

// Per-channel input normalisation, x' = (x/255 - mean[c]) / stddev[c], RGB order. Computed on
// the training split and stored in checkpoints so classification preprocesses exactly as
// training did.
struct Normalization {
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> stddev{1.f, 1.f, 1.f};
};

}  // namespace relunet
