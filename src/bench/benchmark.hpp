// benchmark.hpp — `relunet bench`: training and inference speed of a model on random data, as
// medians over repeated timed runs after warm-up, plus memory, a per-layer breakdown and whether
// the real input pipeline keeps up with training.
#pragma once

#include <cstdint>
#include <string>

#include "bench/layer_timing.hpp"
#include "model/model_spec.hpp"

namespace relunet {

struct BenchOptions {
  int64_t batch = 128;        // training batch
  int64_t infer_batch = 256;  // inference throughput batch
  int iters = 10;             // timed iterations per repeat
  int warmup = 2;             // untimed iterations before timing (per network and configuration)
  int repeats = 5;            // figures are medians over this many repeats
  bool layers = false;        // also time every layer's forward and backward
  uint64_t seed = 1;          // parameters, input data and dropout masks
};

struct BenchResult {
  std::string model;
  int64_t batch = 0, infer_batch = 0;
  int threads = 0;
  int64_t macs_per_image = 0;  // forward multiply-adds, from the model's layer table
  int64_t parameters = 0;      // trainable parameters, as the layer table counts them

  // Training steps (forward, loss, backward, SGD update) on one random batch.
  double train_images_per_second = 0;  // unit and gradient statistics on, as `train` runs
  double train_images_per_second_no_unit_stats = 0;
  double unit_stats_overhead_percent = 0;             // median of paired per-repeat ratios
  double train_images_per_second_no_gradient_stats = 0;  // unit statistics on
  double gradient_stats_overhead_percent = 0;            // median of paired per-repeat ratios
  double train_gflops = 0;
  // Training fed by the BatchLoader (augmentation on) over a synthetic in-memory data set.
  double loader_images_per_second = 0;
  double loader_wait_seconds = 0;  // blocked in next() during one repeat's timed steps (median)
  double loader_wait_percent = 0;  // ... as a share of that repeat's time
  // Inference-only network.
  double infer_images_per_second = 0;  // at infer_batch
  double infer_gflops = 0;
  double latency_ms_batch1 = 0;        // median per forward call at batch 1
  // Peak resident memory after the training phases (one training network and the loader), and
  // over the whole benchmark.
  double train_peak_rss_mb = 0, peak_rss_mb = 0;

  LayerBreakdown layers;  // empty unless BenchOptions::layers
};

// Throws std::invalid_argument on options out of range.
BenchResult run_benchmark(const ModelSpec& spec, const BenchOptions& options);

}  // namespace relunet
