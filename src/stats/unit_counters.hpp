// unit_counters.hpp — raw per-unit firing counts of one activation layer over a set of images.
//
// Computed from the activation's output, which is equivalent to the definitions on the
// pre-activation: every supported function maps x > 0 to outputs above its value at 0 and
// x <= 0 to outputs at or below it (ReLU, Leaky ReLU, ELU, tanh: 0; sigmoid: 0.5).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>
#include <nlohmann/json.hpp>

#include "core/activation_fn.hpp"

namespace relunet {

struct UnitCounters {
  int64_t images = 0;
  std::vector<int64_t> active;         // per unit: images on which it was positive somewhere
  std::vector<int64_t> always_active;  // per unit: images on which it was positive everywhere
  int64_t outputs = 0;    // activation values seen
  int64_t zeros = 0;      // ... exactly zero (sparsity)
  int64_t saturated = 0;  // ... saturated (tanh: |y| > 0.99; sigmoid: y < 0.01 or y > 0.99)
  double sum = 0.0;
  float max = -std::numeric_limits<float>::infinity();

  void reset(int64_t units);
  void merge(const UnitCounters& other);
};

// Exact round trip (a checkpoint taken mid-epoch carries the epoch's counters so far).
nlohmann::json to_json(const UnitCounters& c);
// Throws std::runtime_error naming `origin` on a malformed object.
UnitCounters unit_counters_from_json(const nlohmann::json& j, const std::string& origin);

// Accumulates counters from an activation output in any oneDNN layout whose only blocking is
// on channels (nchw, nhwc, nChw8c/16c, nc). Scratch space is allocated once, in the constructor.
class UnitCounter {
 public:
  UnitCounter(const dnnl::memory::desc& md, ActivationFn fn);
  // Counts the first `images` images of `output` into `into`.
  void accumulate(const dnnl::memory& output, int64_t images, UnitCounters& into);

 private:
  ActivationFn fn_;
  float threshold_;  // output value at pre-activation 0
  int64_t units_, height_, width_, block_;
  int64_t stride_n_, stride_cb_, stride_h_, stride_w_;
  std::vector<UnitCounters> per_thread_;
};

}  // namespace relunet
