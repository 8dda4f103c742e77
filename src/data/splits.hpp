// splits.hpp — the seeded train/validation split carved from the training images.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace relunet {

struct Split {
  std::vector<size_t> train, val;
};

// A seeded permutation of 0..n-1; its last `val_size` entries (sorted) are the validation split,
// the rest (sorted) the training split. Throws if val_size >= n.
Split split_train_val(size_t n, size_t val_size, uint64_t seed);

}  // namespace relunet
