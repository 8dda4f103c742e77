// measure.hpp — the raw measurements the benchmark is made of: wall-clock time, medians and the
// process's peak resident memory.
#pragma once

#include <chrono>
#include <vector>

namespace relunet {

using BenchClock = std::chrono::steady_clock;

inline double seconds_since(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

// Seconds one call of `work` takes.
template <class Work>
double seconds_of(Work&& work) {
  const auto start = BenchClock::now();
  work();
  return seconds_since(start);
}

// The median (mean of the middle two for an even count); throws on an empty list.
double median(std::vector<double> values);

// Peak resident set size of this process so far, in MiB (getrusage's ru_maxrss).
double peak_rss_mb();

}  // namespace relunet
