#include "bench/benchmark.hpp"

#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

#include "bench/bench_networks.hpp"
#include "bench/measure.hpp"
#include "bench/synthetic_dataset.hpp"
#include "data/batch_loader.hpp"
#include "net/batch_input.hpp"
#include "net/layer_table.hpp"
#include "net/unit_stats.hpp"

namespace relunet {
namespace {

constexpr int kSyntheticSide = 32;  // CIFAR-sized source images, resized to the model's input

void validate(const BenchOptions& o) {
  const auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("bench: " + what);
  };
  require(o.batch >= 1, "batch must be at least 1, got " + std::to_string(o.batch));
  require(o.infer_batch >= 1, "inference batch must be at least 1, got " + std::to_string(o.infer_batch));
  require(o.iters >= 1, "iterations must be at least 1, got " + std::to_string(o.iters));
  require(o.repeats >= 1, "repeats must be at least 1, got " + std::to_string(o.repeats));
  require(o.warmup >= 0, "warm-up iterations must not be negative, got " + std::to_string(o.warmup));
}

// Images per second of `repeats` timed blocks of `iters` calls, after `warmup` untimed calls.
template <class Call>
std::vector<double> block_rates(const BenchOptions& o, int64_t images_per_call, Call&& call) {
  for (int w = 0; w < o.warmup; ++w) call();
  std::vector<double> rates;
  for (int r = 0; r < o.repeats; ++r) {
    const double seconds = seconds_of([&] {
      for (int i = 0; i < o.iters; ++i) call();
    });
    rates.push_back(double(images_per_call) * o.iters / seconds);
  }
  return rates;
}

// Training speed with a statistic on and off, in alternating order (on-off, off-on, ...) so slow
// drift such as other load on the machine hits both configurations equally. Leaves it on, as
// `relunet train` runs by default.
struct Paired {
  double on = 0, off = 0, overhead_percent = 0;  // images per second; median of paired ratios
};
Paired measure_paired(SyntheticTraining& step, const BenchOptions& o, const std::function<void(bool)>& enable) {
  for (bool stats : {true, false}) {
    enable(stats);
    for (int w = 0; w < o.warmup; ++w) step.run();
  }
  std::vector<double> on, off, overhead;
  for (int rep = 0; rep < o.repeats; ++rep) {
    double seconds[2] = {0, 0};  // [statistics on, off]
    for (int k = 0; k < 2; ++k) {
      const bool stats = (k == 0) == (rep % 2 == 0);
      enable(stats);
      seconds[stats ? 0 : 1] = seconds_of([&] {
        for (int i = 0; i < o.iters; ++i) step.run();
      });
    }
    const double images = double(o.batch) * o.iters;
    on.push_back(images / seconds[0]);
    off.push_back(images / seconds[1]);
    // Paired within a repeat, so the ratio sees the same machine conditions on both sides.
    overhead.push_back(100.0 * (seconds[0] / seconds[1] - 1.0));
  }
  enable(true);
  return {median(on), median(off), median(overhead)};
}

void measure_training(SyntheticTraining& step, const BenchOptions& o, BenchResult& r) {
  Network& net = step.net();
  net.set_valid_images(o.batch);
  spdlog::info("training, batch {}: unit statistics on and off, {} x {} steps each", o.batch,
               o.repeats, o.iters);
  const Paired units = measure_paired(step, o, [&](bool on) { enable_unit_stats(net, on); });
  r.train_images_per_second = units.on;
  r.train_images_per_second_no_unit_stats = units.off;
  r.unit_stats_overhead_percent = units.overhead_percent;
  spdlog::info("training, batch {}: gradient statistics on and off, {} x {} steps each", o.batch,
               o.repeats, o.iters);
  const Paired gradients = measure_paired(step, o, [&](bool on) { step.gradient_flow().set_enabled(on); });
  r.train_images_per_second_no_gradient_stats = gradients.off;
  r.gradient_stats_overhead_percent = gradients.overhead_percent;
}

// The same training step fed by the real BatchLoader, with training's default augmentation, over
// one epoch of synthetic images: warm-up batches, then `repeats` timed blocks of `iters` steps.
void measure_loader(SyntheticTraining& step, const ModelSpec& spec, const BenchOptions& o, BenchResult& r) {
  spdlog::info("training fed by the batch loader: {} x {} steps", o.repeats, o.iters);
  const int64_t batches = o.warmup + int64_t(o.repeats) * o.iters;
  const SyntheticDataset data(size_t(batches * o.batch), int(spec.classes), kSyntheticSide, o.seed);
  std::vector<size_t> indices(data.size());
  std::iota(indices.begin(), indices.end(), size_t{0});
  const auto lo = LoaderOptions::training(int(o.batch), int(spec.input.h), int(spec.input.w),
                                          kTrainingAugmentation, o.seed);
  BatchLoader loader(data, std::move(indices), Normalization{}, lo);
  Network& net = step.net();
  Batch batch;
  const auto train_on_next_batch = [&] {
    if (!loader.next(batch)) throw std::logic_error("bench: the synthetic epoch ran out of batches");
    load_batch(net, batch);
    step.run(batch.labels, batch.count);
  };
  loader.start_epoch(0);
  for (int w = 0; w < o.warmup; ++w) train_on_next_batch();
  std::vector<double> rates, waits, wait_shares;
  for (int rep = 0; rep < o.repeats; ++rep) {
    loader.take_wait_seconds();
    const double seconds = seconds_of([&] {
      for (int i = 0; i < o.iters; ++i) train_on_next_batch();
    });
    const double waited = loader.take_wait_seconds();
    rates.push_back(double(o.batch) * o.iters / seconds);
    waits.push_back(waited);
    wait_shares.push_back(100.0 * waited / seconds);
  }
  r.loader_images_per_second = median(rates);
  r.loader_wait_seconds = median(waits);
  r.loader_wait_percent = median(wait_shares);
}

void measure_inference(const ModelSpec& spec, const BenchOptions& o, Context& ctx, BenchResult& r) {
  {
    spdlog::info("inference, batch {}: {} x {} forward passes", o.infer_batch, o.repeats, o.iters);
    InferenceNetwork net(spec, o.infer_batch, o.seed, ctx);
    r.infer_images_per_second = median(block_rates(o, o.infer_batch, [&] { net.forward(); }));
  }
  spdlog::info("latency, batch 1: {} forward passes", o.repeats * o.iters);
  InferenceNetwork single(spec, 1, o.seed, ctx);
  for (int w = 0; w < o.warmup; ++w) single.forward();
  std::vector<double> calls;
  for (int i = 0; i < o.repeats * o.iters; ++i) calls.push_back(seconds_of([&] { single.forward(); }));
  r.latency_ms_batch1 = 1e3 * median(calls);
}

}  // namespace

BenchResult run_benchmark(const ModelSpec& spec, const BenchOptions& o) {
  validate(o);
  BenchResult r;
  r.model = spec.name;
  r.batch = o.batch;
  r.infer_batch = o.infer_batch;
  r.threads = max_threads();
  r.macs_per_image = total_macs(spec);
  r.parameters = total_params(spec);
  Context ctx;
  {  // one training network at a time, so the peak memory is that of training alone
    SyntheticTraining step(spec, o.batch, o.seed, ctx);
    measure_training(step, o, r);
    if (o.layers) {
      spdlog::info("layer by layer: {} training steps", o.repeats * o.iters);
      r.layers = time_layers(step, o.repeats * o.iters);
    }
    measure_loader(step, spec, o, r);
    r.train_peak_rss_mb = peak_rss_mb();
  }
  measure_inference(spec, o, ctx, r);
  r.peak_rss_mb = peak_rss_mb();
  // A multiply-add is 2 FLOPs. Training costs about 3x the forward FLOPs: the backward pass
  // computes gradients with respect to both the inputs and the weights, each about one forward.
  const double flops_per_image = 2.0 * double(r.macs_per_image);
  r.train_gflops = 3.0 * flops_per_image * r.train_images_per_second / 1e9;
  r.infer_gflops = flops_per_image * r.infer_images_per_second / 1e9;
  return r;
}

}  // namespace relunet
