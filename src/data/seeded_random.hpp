// seeded_random.hpp — random choices that are pure functions of their seeds and identical across
// standard libraries. std::mt19937_64's output is fully specified by the standard, but
// std::uniform_int_distribution and std::shuffle are not, so the data pipeline uses these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

namespace relunet {

// Stream tags keep the generators of the data pipeline apart for equal numeric inputs.
enum RandomStream : uint64_t { kShuffleStream = 1, kAugmentStream = 2, kFlipStream = 3, kCutoutStream = 4 };

// Folds the parts into one well-mixed 64-bit seed (splitmix64 per part), so nearby inputs such
// as consecutive epochs or batch indices give unrelated generator streams.
uint64_t mix_seed(std::initializer_list<uint64_t> parts);

// Uniform integer in [0, n), n > 0, without modulo bias (rejection sampling).
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n);

// Fisher–Yates shuffle driven by uniform_below.
void shuffle_in_place(std::vector<size_t>& values, std::mt19937_64& rng);

}  // namespace relunet
