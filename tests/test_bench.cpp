// test_bench.cpp — the benchmark runs end to end on the tiny model and reports sane figures; the
// layer table and the synthetic data set it relies on. No timing assertions: the machine is shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "bench/activation_cost.hpp"
#include "bench/bench_report.hpp"
#include "bench/benchmark.hpp"
#include "bench/measure.hpp"
#include "bench/synthetic_dataset.hpp"
#include "model/model_spec.hpp"
#include "net/layer_table.hpp"

namespace relunet {
namespace {

ModelSpec tiny_model() { return load_model("tiny", RELUNET_SOURCE_DIR "/models"); }

::testing::AssertionResult positive_finite(double v, const char* what) {
  if (std::isfinite(v) && v > 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << " = " << v << " is not positive and finite";
}

TEST(Bench, TinyModelFiguresArePositiveAndLayersMatchTheModel) {
  const ModelSpec spec = tiny_model();
  BenchOptions o;
  o.batch = 16;
  o.infer_batch = 32;
  o.iters = 1;
  o.repeats = 1;
  o.warmup = 1;
  o.layers = true;
  const BenchResult r = run_benchmark(spec, o);

  EXPECT_EQ(r.model, "tiny");
  EXPECT_EQ(r.batch, 16);
  EXPECT_EQ(r.infer_batch, 32);
  EXPECT_EQ(r.macs_per_image, total_macs(spec));
  EXPECT_EQ(r.parameters, total_params(spec));
  EXPECT_GT(r.parameters, 0);
  EXPECT_GT(r.threads, 0);
  EXPECT_TRUE(positive_finite(r.train_images_per_second, "train img/s"));
  EXPECT_TRUE(positive_finite(r.train_images_per_second_no_unit_stats, "train img/s, no stats"));
  EXPECT_TRUE(std::isfinite(r.unit_stats_overhead_percent));  // may be negative: noise
  EXPECT_TRUE(positive_finite(r.train_images_per_second_no_gradient_stats, "train img/s, no gradient stats"));
  EXPECT_TRUE(std::isfinite(r.gradient_stats_overhead_percent));
  EXPECT_TRUE(positive_finite(r.train_gflops, "train GFLOP/s"));
  EXPECT_TRUE(positive_finite(r.loader_images_per_second, "loader img/s"));
  EXPECT_TRUE(std::isfinite(r.loader_wait_seconds) && r.loader_wait_seconds >= 0);
  EXPECT_TRUE(positive_finite(r.infer_images_per_second, "inference img/s"));
  EXPECT_TRUE(positive_finite(r.infer_gflops, "inference GFLOP/s"));
  EXPECT_TRUE(positive_finite(r.latency_ms_batch1, "latency"));
  EXPECT_TRUE(positive_finite(r.train_peak_rss_mb, "training peak memory"));
  EXPECT_GE(r.peak_rss_mb, r.train_peak_rss_mb);

  ASSERT_EQ(r.layers.layers.size(), spec.layers.size());
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    EXPECT_EQ(r.layers.layers[i].name, spec.layers[i].name);
    EXPECT_EQ(r.layers.layers[i].type, layer_type(spec.layers[i]));
    EXPECT_TRUE(std::isfinite(r.layers.layers[i].forward_ms) && r.layers.layers[i].forward_ms >= 0);
    EXPECT_TRUE(std::isfinite(r.layers.layers[i].backward_ms) && r.layers.layers[i].backward_ms >= 0);
  }
  EXPECT_TRUE(positive_finite(r.layers.total_ms(), "layer total"));

  const auto j = to_json(r);
  for (const char* key : {"model", "batch", "threads", "parameters", "train_images_per_second",
                          "train_images_per_second_no_unit_stats", "unit_stats_overhead_percent",
                          "train_images_per_second_no_gradient_stats", "gradient_stats_overhead_percent",
                          "infer_images_per_second", "infer_batch", "latency_ms_batch1",
                          "train_gflops", "infer_gflops", "peak_rss_mb", "loader_images_per_second",
                          "loader_wait_seconds", "layers"})
    EXPECT_TRUE(j.contains(key)) << key;
  ASSERT_EQ(j["layers"].size(), spec.layers.size());
  EXPECT_EQ(j["layers"][0]["name"], spec.layers[0].name);
  EXPECT_NE(format_report(r).find(spec.layers.back().name), std::string::npos);
}

// One row per activation and activation tensor, sized like the tensor; the per-element figures
// and bandwidths agree with each other (forward moves 8 bytes per element, backward 12).
TEST(Bench, ActivationCostTimesEveryActivationTensor) {
  const ModelSpec spec = tiny_model();
  const std::vector<Activation> acts = {parse_activation("relu"), parse_activation("sigmoid")};
  const ActivationCost c = measure_activation_cost(spec, 4, acts, 0, 1, 1, 16);
  std::vector<std::pair<std::string, int64_t>> tensors;  // the tiny model's activations
  for (const LayerSpec& l : spec.layers)
    if (l.kind == LayerKind::Activation) tensors.emplace_back(l.unit_layer, 4 * l.out.size());
  ASSERT_EQ(c.rows.size(), acts.size() * tensors.size());
  EXPECT_TRUE(positive_finite(c.read_gb_per_s, "read bandwidth"));
  EXPECT_TRUE(positive_finite(c.copy_gb_per_s, "copy bandwidth"));
  for (size_t i = 0; i < c.rows.size(); ++i) {
    const EltwiseTime& t = c.rows[i];
    SCOPED_TRACE(t.activation + " " + t.layer);
    EXPECT_EQ(t.activation, to_string(acts[i / tensors.size()]));
    EXPECT_EQ(t.layer, tensors[i % tensors.size()].first);
    EXPECT_EQ(t.elements, tensors[i % tensors.size()].second);
    EXPECT_TRUE(positive_finite(t.forward_ns_per_element, "forward"));
    EXPECT_NEAR(t.forward_gb_per_s, 8.0 / t.forward_ns_per_element, 1e-9 * t.forward_gb_per_s);
    EXPECT_NEAR(t.backward_gb_per_s, 12.0 / t.backward_ns_per_element, 1e-9 * t.backward_gb_per_s);
  }
  EXPECT_EQ(to_json(c).at("eltwise").size(), c.rows.size());
  EXPECT_NE(format_activation_cost(c).find("sigmoid"), std::string::npos);
}

TEST(Bench, RejectsOptionsOutOfRange) {
  const ModelSpec spec = tiny_model();
  BenchOptions o;
  o.iters = 0;
  EXPECT_THROW(run_benchmark(spec, o), std::invalid_argument);
  o = BenchOptions{};
  o.repeats = 0;
  EXPECT_THROW(run_benchmark(spec, o), std::invalid_argument);
  o = BenchOptions{};
  o.batch = 0;
  EXPECT_THROW(run_benchmark(spec, o), std::invalid_argument);
}

TEST(Bench, LayerTableListsEveryLayerAndTotals) {
  const ModelSpec spec = tiny_model();
  const std::string table = layer_table(spec);
  for (const auto& layer : spec.layers) EXPECT_NE(table.find(layer.name), std::string::npos) << layer.name;
  // Header, one line per layer, the totals line.
  EXPECT_EQ(size_t(std::count(table.begin(), table.end(), '\n')), spec.layers.size() + 1);
  int64_t macs = 0, params = 0;
  for (const auto& layer : spec.layers) {
    macs += layer.macs;
    params += layer.param_count;
  }
  EXPECT_GT(macs, 0);
  EXPECT_EQ(total_macs(spec), macs);
  EXPECT_EQ(total_params(spec), params);
  EXPECT_NE(table.find("3x32x32"), std::string::npos);  // the first layer's input
}

TEST(Bench, SyntheticDatasetIsSeededAndBounded) {
  const SyntheticDataset a(3000, 10, 32, 5), b(3000, 10, 32, 5), c(3000, 10, 32, 6);
  ASSERT_EQ(a.size(), 3000u);
  EXPECT_EQ(a.class_names().size(), 10u);
  bool labels_differ = false;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_GE(a.label(i), 0);
    ASSERT_LT(a.label(i), 10);
    EXPECT_EQ(a.label(i), b.label(i));
    labels_differ |= a.label(i) != c.label(i);
  }
  EXPECT_TRUE(labels_differ);
  const cv::Mat image = a.image(2999);
  EXPECT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.rows, 32);
  EXPECT_EQ(cv::norm(image, b.image(2999), cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(image, c.image(2999), cv::NORM_INF), 0.0);
  EXPECT_THROW(a.image(3000), std::out_of_range);
  EXPECT_THROW(a.label(3000), std::out_of_range);
}

TEST(Bench, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_THROW(median({}), std::invalid_argument);
}

}  // namespace
}  // namespace relunet
