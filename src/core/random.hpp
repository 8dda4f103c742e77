// random.hpp — counter-based randomness: a value is a pure function of its key, so results do
// not depend on thread count or on how far a run got before it was resumed.
#pragma once

#include <cstdint>

namespace relunet {

// SplitMix64's finaliser: a strong 64-bit mix.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) from the top 24 bits.
inline float uniform01(uint64_t bits) { return static_cast<float>(bits >> 40) * 0x1.0p-24f; }

}  // namespace relunet
