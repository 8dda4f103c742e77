// activation_cost.hpp — `relunet bench --activation-cost`: what each activation function costs as
// oneDNN runs it on its own (an eltwise primitive), on the tensors a model's activations have at
// a batch size, against the machine's measured memory bandwidth. An element-wise function that
// reads and writes every element once is bounded by memory traffic, not arithmetic, once its
// tensor leaves the caches: the bandwidth says how close each function gets to that bound.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model_spec.hpp"

namespace relunet {

struct EltwiseTime {
  std::string activation;  // "tanh"
  std::string layer;       // the conv/fc layer whose output it is ("conv2")
  std::string implementation;  // oneDNN's, forward
  int64_t elements = 0;
  // Medians. Forward reads x and writes y (8 bytes per element); backward, from y as relunet
  // computes it, reads y and dL/dy and writes dL/dx (12 bytes).
  double forward_ns_per_element = 0, backward_ns_per_element = 0;
  double forward_gb_per_s = 0, backward_gb_per_s = 0;
};

struct ActivationCost {
  std::string model;
  int64_t batch = 0;
  int threads = 0;
  double read_gb_per_s = 0, copy_gb_per_s = 0;  // memory bandwidth (copy: bytes read + written)
  std::vector<EltwiseTime> rows;  // per activation, per tensor in model order
};

// Times forward and backward of every activation in `activations` on the output tensor of each
// of the model's activation layers, in the layout training uses: after `warmup` calls, the median
// over `repeats` blocks of `iters` calls. The bandwidth is measured on two arrays of
// `bandwidth_mib` MiB each (the default, far beyond every cache).
ActivationCost measure_activation_cost(const ModelSpec& spec, int64_t batch,
                                       const std::vector<Activation>& activations, int warmup, int iters,
                                       int repeats, int64_t bandwidth_mib = 512);

nlohmann::json to_json(const ActivationCost& c);
std::string format_activation_cost(const ActivationCost& c);

}  // namespace relunet
