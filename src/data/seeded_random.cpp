// seeded_random.cpp — portable seeded randomness for splits, epoch orders and augmentation.
#include "data/seeded_random.hpp"

#include <utility>

#include "core/random.hpp"

namespace relunet {

uint64_t mix_seed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0;
  for (uint64_t part : parts) h = mix64(h ^ part);
  return h;
}

uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  // 2^64 mod n: draws below it are rejected so that every residue is equally likely.
  const uint64_t reject_below = (0 - n) % n;
  for (;;) {
    const uint64_t x = rng();
    if (x >= reject_below) return x % n;
  }
}

void shuffle_in_place(std::vector<size_t>& values, std::mt19937_64& rng) {
  for (size_t i = values.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(uniform_below(rng, i));
    std::swap(values[i - 1], values[j]);
  }
}

}  // namespace relunet
