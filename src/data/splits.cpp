// splits.cpp — seeded train/validation split.
#include "data/splits.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "data/seeded_random.hpp"

namespace relunet {

Split split_train_val(size_t n, size_t val_size, uint64_t seed) {
  if (val_size >= n)
    throw std::runtime_error("validation split of " + std::to_string(val_size) +
                             " images leaves no training images out of " + std::to_string(n));
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(seed);
  shuffle_in_place(order, rng);

  const auto val_begin = order.end() - static_cast<std::ptrdiff_t>(val_size);
  Split split{{order.begin(), val_begin}, {val_begin, order.end()}};
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.val.begin(), split.val.end());
  return split;
}

}  // namespace relunet
