// test_forward_reference.cpp — every layer's forward pass against a naive plain-loop reference
// computed in double from the layer's actual (plain) input, in the layouts oneDNN picks; and the
// unit statistics counters against a naive recount of an activation's plain output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/memory.hpp"
#include "layers/activation.hpp"
#include "stats/unit_counters.hpp"
#include "test_support.hpp"

namespace relunet::test {
namespace {

// Float results against double references: oneDNN's float accumulation (and its exp/tanh/pow
// approximations) stays well within 1e-4 of the reference's scale.
constexpr double kRtol = 1e-4;

// A network with random parameters on a random batch.
struct Fixture {
  Fixture(const ModelSpec& spec, int64_t batch, NetworkPurpose purpose, uint64_t seed)
      : net(spec, batch, purpose, seed, ctx),
        images(
            uniform_values(static_cast<size_t>(batch * spec.input.size()), seed + 1, -1.f, 1.f)) {
    randomize_params(net, seed + 2);
  }
  Tensor image_tensor() const {
    const Shape& in = net.spec().input;
    return Tensor::of(images, net.batch(), in.c, in.h, in.w);
  }
  std::vector<float> param(size_t layer, size_t index) {
    return plain_values(net.layer(layer).params().at(index)->value, ctx);
  }
  // Runs the whole network; returns layer i's output as a plain tensor.
  Tensor forward_output(size_t i, const Pass& pass = Pass::inference()) {
    std::copy(images.begin(), images.end(), net.input());
    net.forward(pass);
    return Tensor::of(net.output_of(i), ctx);
  }

  Context ctx;
  Network net;
  std::vector<float> images;
};

// Every layer's plain input and output, captured one layer at a time: an in-place layer
// overwrites its input, which is therefore read before the layer runs.
struct Trace {
  std::vector<Tensor> inputs, outputs;
};

Trace run_traced(Fixture& f, const Pass& pass = Pass::inference()) {
  Trace t;
  std::copy(f.images.begin(), f.images.end(), f.net.input());
  for (size_t i = 0; i < f.net.size(); ++i) {
    t.inputs.push_back(i == 0 ? f.image_tensor() : Tensor::of(f.net.output_of(i - 1), f.ctx));
    f.net.forward_layer(i, pass);
    f.ctx.stream.wait();
    t.outputs.push_back(Tensor::of(f.net.output_of(i), f.ctx));
  }
  return t;
}

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// ---- Convolution and inner product -------------------------------------------------------------

TEST(ForwardReference, ConvolutionStridePaddingGroupsBias) {
  const auto spec = make_model({4, 7, 7}, {conv_layer(8, 3, 2, 1, 2, true), fc_layer(5)});
  Fixture f(spec, 2, NetworkPurpose::Inference, 1);
  const Tensor expected = ref_conv(f.image_tensor(), f.param(0, 0), f.param(0, 1), spec.layers[0]);
  EXPECT_TRUE(all_near(f.forward_output(0), expected, kRtol));
}

TEST(ForwardReference, ConvolutionWithoutBias) {
  const auto spec = make_model({5, 6, 6}, {conv_layer(6, 3, 1, 0, 1, false), fc_layer(5)});
  Fixture f(spec, 3, NetworkPurpose::Inference, 2);
  const Tensor expected = ref_conv(f.image_tensor(), f.param(0, 0), {}, spec.layers[0]);
  EXPECT_TRUE(all_near(f.forward_output(0), expected, kRtol));
}

TEST(ForwardReference, ConvolutionAlexNetCifarFirstLayer) {
  // 64 filters 5x5 pad 2 on 3x32x32: the real geometry, so oneDNN picks its blocked layouts.
  const auto spec = make_model({3, 32, 32}, {conv_layer(64, 5, 1, 2), fc_layer(10)});
  Fixture f(spec, 2, NetworkPurpose::Inference, 3);
  const Tensor expected = ref_conv(f.image_tensor(), f.param(0, 0), f.param(0, 1), spec.layers[0]);
  EXPECT_TRUE(all_near(f.forward_output(0), expected, kRtol));
}

TEST(ForwardReference, ConvolutionWithFusedActivation) {
  for (const Activation& act : every_activation()) {
    SCOPED_TRACE(to_string(act));
    const auto spec = make_model(
        {8, 8, 8}, {conv_layer(24, 3, 1, 1), activation_layer(act.fn, act.alpha), fc_layer(5)});
    Fixture f(spec, 2, NetworkPurpose::Inference, 4);
    ASSERT_TRUE(dynamic_cast<ActivationLayer&>(f.net.layer(1)).fused());
    const Tensor conv = ref_conv(f.image_tensor(), f.param(0, 0), f.param(0, 1), spec.layers[0]);
    EXPECT_TRUE(all_near(f.forward_output(1), ref_activation(conv, act), kRtol));
  }
}

// From batch 16 on, oneDNN computes a 3x3 stride-1 convolution with its Winograd F(4x4, 3x3)
// kernel (convolution_auto): a different arithmetic, so it gets its own check, ReLU fused.
TEST(ForwardReference, ConvolutionWinogradWithFusedActivation) {
  const Activation relu{ActivationFn::ReLU, 0.f};
  const auto spec = make_model({16, 8, 8}, {conv_layer(32, 3, 1, 1), activation_layer(relu.fn), fc_layer(5)});
  Fixture f(spec, 16, NetworkPurpose::Inference, 8);
  const std::string impl = f.net.layer(0).forward_implementation();
  if (impl.find("wino") == std::string::npos)
    GTEST_SKIP() << "oneDNN has no Winograd kernel on this CPU (it runs " << impl << ")";
  const Tensor conv = ref_conv(f.image_tensor(), f.param(0, 0), f.param(0, 1), spec.layers[0]);
  EXPECT_TRUE(all_near(f.forward_output(1), ref_activation(conv, relu), kRtol));
}

TEST(ForwardReference, InnerProductWithFusedActivation) {
  for (const Activation& act : every_activation()) {
    SCOPED_TRACE(to_string(act));
    const auto spec =
        make_model({16, 4, 4}, {fc_layer(12), activation_layer(act.fn, act.alpha), fc_layer(5)});
    Fixture f(spec, 3, NetworkPurpose::Inference, 5);
    ASSERT_TRUE(dynamic_cast<ActivationLayer&>(f.net.layer(1)).fused());
    const Tensor fc = ref_inner_product(f.image_tensor(), f.param(0, 0), f.param(0, 1));
    EXPECT_TRUE(all_near(f.forward_output(1), ref_activation(fc, act), kRtol));
  }
}

// The output scale multiplies W x + b before the fused activation: y = f(s (W x + b)).
TEST(ForwardReference, InnerProductWithOutputScale) {
  auto scaled = fc_layer(12);
  scaled.output_scale = 1.f / 9;
  const auto spec = make_model({16, 4, 4}, {scaled, activation_layer(ActivationFn::ELU, 1.f), fc_layer(5)});
  Fixture f(spec, 3, NetworkPurpose::Inference, 7);
  Tensor fc = ref_inner_product(f.image_tensor(), f.param(0, 0), f.param(0, 1));
  for (double& v : fc.data) v /= 9;
  EXPECT_TRUE(all_near(f.forward_output(1), ref_activation(fc, Activation{ActivationFn::ELU, 1.f}), kRtol));
}

TEST(ForwardReference, InnerProductFromBlockedSpatialAndFlatInputs) {
  const auto spec = make_model({3, 6, 6}, {conv_layer(16, 3, 1, 1), fc_layer(10), fc_layer(5)});
  Fixture f(spec, 2, NetworkPurpose::Inference, 6);
  const Trace t = run_traced(f);
  EXPECT_TRUE(
      all_near(t.outputs[1], ref_inner_product(t.inputs[1], f.param(1, 0), f.param(1, 1)), kRtol));
  EXPECT_TRUE(
      all_near(t.outputs[2], ref_inner_product(t.inputs[2], f.param(2, 0), f.param(2, 1)), kRtol));
}

TEST(ForwardReference, FlattenIsAViewInCHWOrder) {
  const auto spec = make_model({3, 5, 5}, {conv_layer(16, 3, 1, 1), flatten_layer(), fc_layer(5)});
  Fixture f(spec, 2, NetworkPurpose::Inference, 7);
  const Trace t = run_traced(f);
  EXPECT_TRUE(all_near(t.outputs[1], t.inputs[1], 0.0));
  EXPECT_TRUE(
      all_near(t.outputs[2], ref_inner_product(t.inputs[1], f.param(2, 0), f.param(2, 1)), kRtol));
}

// ---- Pooling and activations -------------------------------------------------------------------

TEST(ForwardReference, PoolingOverlappingWithPadding) {
  for (LayerKind kind : {LayerKind::MaxPool, LayerKind::AvgPool}) {
    SCOPED_TRACE(to_string(kind));
    const auto spec =
        make_model({3, 9, 9}, {conv_layer(16, 3, 1, 1), pool_layer(kind, 3, 2, 1), fc_layer(5)});
    Fixture f(spec, 2, NetworkPurpose::Inference, 8);
    const Trace t = run_traced(f);
    EXPECT_TRUE(all_near(t.outputs[1], ref_pool(t.inputs[1], spec.layers[1]), kRtol));
  }
}

TEST(ForwardReference, ActivationsInPlace) {
  for (const Activation& act : every_activation()) {
    SCOPED_TRACE(to_string(act));
    const auto spec =
        make_model({3, 8, 8}, {conv_layer(16, 3, 1, 1), pool_layer(LayerKind::MaxPool, 2, 2, 0),
                               activation_layer(act.fn, act.alpha), fc_layer(5)});
    Fixture f(spec, 2, NetworkPurpose::Inference, 9);
    ASSERT_FALSE(dynamic_cast<ActivationLayer&>(f.net.layer(2)).fused());
    const Trace t = run_traced(f);
    EXPECT_TRUE(all_near(t.outputs[2], ref_activation(t.inputs[2], act), kRtol));
  }
}

// One slope per channel: 20 channels (a partly filled channel block in a blocked layout), and
// one per unit after an fc and, after a flatten, one per element of the spatial memory. The
// slopes are random around their initial value (randomize_params): about half negative for the
// initial 0, where a wrong sign would show.
TEST(ForwardReference, PReluPerChannelPerUnitAndAfterFlatten) {
  const std::vector<std::vector<LayerSpec>> cases = {
      {conv_layer(20, 3, 1, 1), prelu_layer(), fc_layer(5)},
      {conv_layer(16, 3, 1, 1), fc_layer(12), prelu_layer(0.f), fc_layer(5)},
      {conv_layer(16, 3, 1, 1), flatten_layer(), prelu_layer(), fc_layer(5)}};
  for (const auto& layers : cases) {
    const auto spec = make_model({3, 6, 6}, layers);
    const size_t at = spec.layers.size() - 2;
    SCOPED_TRACE("prelu after " + to_string(spec.layers[at - 1].kind));
    for (const bool training : {false, true}) {
      Fixture f(spec, 2, training ? NetworkPurpose::Training : NetworkPurpose::Inference, 15);
      const std::vector<float> slope = f.param(at, 0);
      ASSERT_EQ(int64_t(slope.size()), spec.layers[at].in.c);
      const Trace t = run_traced(f, training ? Pass::training_step(1) : Pass::inference());
      EXPECT_TRUE(all_near(t.outputs[at], ref_prelu(t.inputs[at], slope), kRtol));
      // The input is left as it was: prelu is not computed in place.
      EXPECT_TRUE(all_near(Tensor::of(f.net.output_of(at - 1), f.ctx), t.inputs[at], 0.0));
    }
  }
}

// ---- Normalisation -----------------------------------------------------------------------------

TEST(ForwardReference, LocalResponseNormalization) {
  // 20 channels: a partly filled channel block, and windows clipped at both ends.
  for (const LayerSpec& lrn : {lrn_layer(5, 1e-4f, 0.75f, 2.f), lrn_layer(5, 0.5f, 0.75f, 1.f)}) {
    SCOPED_TRACE("alpha " + std::to_string(lrn.lrn_alpha));
    const auto spec = make_model({3, 6, 6}, {conv_layer(20, 3, 1, 1), lrn, fc_layer(5)});
    Fixture f(spec, 2, NetworkPurpose::Inference, 10);
    const Trace t = run_traced(f);
    EXPECT_TRUE(all_near(t.outputs[1], ref_lrn(t.inputs[1], spec.layers[1]), kRtol));
  }
}

TEST(ForwardReference, BatchNormInferenceUsesRunningStatistics) {
  const auto spec =
      make_model({3, 6, 6}, {conv_layer(20, 3, 1, 1), batch_norm_layer(), fc_layer(5)});
  Fixture f(spec, 3, NetworkPurpose::Inference, 11);
  const Trace t = run_traced(f, Pass::inference());
  // Parameters: scale, shift, running mean, running variance (randomised by the fixture).
  const Tensor expected =
      ref_batch_norm(t.inputs[1], as_double(f.param(1, 2)), as_double(f.param(1, 3)), f.param(1, 0),
                     f.param(1, 1), spec.layers[1].bn_eps);
  EXPECT_TRUE(all_near(t.outputs[1], expected, kRtol));
}

TEST(ForwardReference, BatchNormInferenceWithoutScale) {
  auto bn = batch_norm_layer();
  bn.bn_scale = false;
  const auto spec = make_model({3, 6, 6}, {conv_layer(20, 3, 1, 1), bn, fc_layer(5)});
  Fixture f(spec, 3, NetworkPurpose::Inference, 13);
  ASSERT_EQ(f.net.layer(1).params().size(), 3u);  // shift, running mean, running variance
  const Trace t = run_traced(f, Pass::inference());
  const Tensor expected = ref_batch_norm(t.inputs[1], as_double(f.param(1, 1)), as_double(f.param(1, 2)),
                                         std::vector<float>(20, 1.f), f.param(1, 0), spec.layers[1].bn_eps);
  EXPECT_TRUE(all_near(t.outputs[1], expected, kRtol));
}

// With and without a learnable scale, at PyTorch's default momentum and at airbench's.
TEST(ForwardReference, BatchNormTrainingUsesBatchStatistics) {
  for (const bool scale : {true, false}) {
    SCOPED_TRACE(scale ? "with scale" : "without scale");
    auto bn = batch_norm_layer();
    bn.bn_scale = scale;
    bn.bn_momentum = scale ? 0.1f : 0.4f;
    bn.bn_eps = scale ? 1e-5f : 1e-12f;
    const auto spec = make_model({3, 6, 6}, {conv_layer(20, 3, 1, 1), bn, fc_layer(5)});
    Fixture f(spec, 3, NetworkPurpose::Training, 12);
    const size_t shift = scale ? 1 : 0, run_mean = shift + 1, run_var = shift + 2;
    const std::vector<float> gamma = scale ? f.param(1, 0) : std::vector<float>(20, 1.f);
    const std::vector<float> mean_before = f.param(1, run_mean), var_before = f.param(1, run_var);
    const Trace t = run_traced(f, Pass::training_step(0));
    std::vector<double> mean, var;
    ref_batch_statistics(t.inputs[1], mean, var);
    const Tensor expected = ref_batch_norm(t.inputs[1], mean, var, gamma, f.param(1, shift), bn.bn_eps);
    EXPECT_TRUE(all_near(t.outputs[1], expected, kRtol));

    // Running averages move by the momentum towards the batch mean and unbiased variance.
    const double m = bn.bn_momentum, per_channel = 3.0 * 6 * 6;
    const std::vector<float> mean_after = f.param(1, run_mean), var_after = f.param(1, run_var);
    for (size_t c = 0; c < mean.size(); ++c) {
      EXPECT_NEAR(mean_after[c], (1 - m) * mean_before[c] + m * mean[c], 1e-5) << "channel " << c;
      EXPECT_NEAR(var_after[c], (1 - m) * var_before[c] + m * var[c] * per_channel / (per_channel - 1),
                  1e-5 * (1 + var_after[c]))
          << "channel " << c;
    }
  }
}

// ---- Dropout -----------------------------------------------------------------------------------

TEST(ForwardReference, DropoutInferenceIsIdentity) {
  const auto spec =
      make_model({3, 8, 8}, {conv_layer(16, 3, 1, 1), dropout_layer(0.5f), fc_layer(5)});
  Fixture f(spec, 2, NetworkPurpose::Training, 13);
  const Trace t = run_traced(f, Pass::inference());
  EXPECT_TRUE(all_near(t.outputs[1], t.inputs[1], 0.0));
}

// Which elements a training pass kept, checking each output is 0 or x / (1 - p).
std::vector<bool> kept_by_dropout(Fixture& f, const Pass& pass, float p) {
  const Trace t = run_traced(f, pass);
  const Tensor &x = t.inputs[1], &y = t.outputs[1];
  std::vector<bool> kept(x.data.size());
  size_t wrong = 0;
  for (size_t i = 0; i < x.data.size(); ++i) {
    kept[i] = y.data[i] != 0.0;
    const double expected = kept[i] ? x.data[i] / (1.0 - p) : 0.0;
    if (std::fabs(y.data[i] - expected) > 1e-6 * std::fabs(expected)) ++wrong;
  }
  EXPECT_EQ(wrong, 0u) << "outputs that are neither 0 nor x / (1 - p), step " << pass.step;
  return kept;
}

double fraction_true(const std::vector<bool>& v) {
  return static_cast<double>(std::count(v.begin(), v.end(), true)) / static_cast<double>(v.size());
}

// Data-parallel ranks draw an image's mask by its position in the global batch (Pass::shard):
// rank r's row j gets the mask of global row r + N j, whatever the rank count.
TEST(ForwardReference, DropoutMasksFollowTheGlobalBatchPosition) {
  const float p = 0.5f;
  const auto spec = make_model({3, 8, 8}, {conv_layer(16, 3, 1, 1), dropout_layer(p), fc_layer(5)});
  constexpr int kRanks = 3, kRankBatch = 2;
  Fixture whole(spec, kRanks * kRankBatch, NetworkPurpose::Training, 14);
  const std::vector<bool> global = kept_by_dropout(whole, Pass::training_step(7), p);
  const size_t per_image = global.size() / (kRanks * kRankBatch);
  for (int r = 0; r < kRanks; ++r) {
    Fixture part(spec, kRankBatch, NetworkPurpose::Training, 14);
    const std::vector<bool> local = kept_by_dropout(part, Pass::training_step(7).of_shard(r, kRanks), p);
    for (int j = 0; j < kRankBatch; ++j)
      EXPECT_TRUE(std::equal(local.begin() + j * per_image, local.begin() + (j + 1) * per_image,
                             global.begin() + (r + kRanks * j) * per_image))
          << "rank " << r << ", row " << j;
  }
}

TEST(ForwardReference, DropoutTrainingMasks) {
  const float p = 0.3f;
  // Conv output in a blocked layout: 4 x 16 x 16 x 16 = 16384 elements, so the dropped fraction
  // has a standard deviation of 0.004 around p.
  const auto spec =
      make_model({3, 16, 16}, {conv_layer(16, 3, 1, 1), dropout_layer(p), fc_layer(5)});
  Fixture f(spec, 4, NetworkPurpose::Training, 14);
  const std::vector<bool> first = kept_by_dropout(f, Pass::training_step(1), p);
  EXPECT_NEAR(1.0 - fraction_true(first), p, 0.02);
  EXPECT_EQ(kept_by_dropout(f, Pass::training_step(1), p), first) << "the same step must draw the same mask";

  const std::vector<bool> second = kept_by_dropout(f, Pass::training_step(2), p);
  std::vector<bool> changed(first.size());
  for (size_t i = 0; i < first.size(); ++i) changed[i] = first[i] != second[i];
  // Independent masks disagree on a fraction 2p(1-p) = 0.42 of the elements.
  EXPECT_NEAR(fraction_true(changed), 2 * p * (1 - p), 0.03)
      << "another step must draw another mask";
}

// ---- Loss --------------------------------------------------------------------------------------

void check_cross_entropy(float smoothing) {
  Context ctx;
  const int64_t batch = 5, classes = 7, count = 4;
  const auto md = plain_desc({batch, classes});
  dnnl::memory logits(md, ctx.engine), diff(md, ctx.engine);
  // Logits up to +-40: a naive exp without the max shift would lose precision or overflow.
  const std::vector<float> z = uniform_values(batch * classes, 31, -40.f, 40.f);
  const std::vector<int32_t> labels = random_labels(batch, classes, 32);
  set_plain_values(logits, z, ctx);
  SoftmaxCrossEntropy loss(logits, diff, smoothing);
  const LossResult r = loss.forward(ctx.stream, labels.data(), count);

  const Tensor zt = Tensor::of(z, batch, classes, 1, 1);
  const double expected = ref_cross_entropy_sum(zt, labels, count, smoothing);
  EXPECT_NEAR(r.loss_sum, expected, kRtol * std::fabs(expected));
  int64_t correct = 0;
  for (int64_t n = 0; n < count; ++n)
    correct +=
        std::max_element(&z[n * classes], &z[(n + 1) * classes]) - &z[n * classes] == labels[n];
  EXPECT_EQ(r.correct, correct);
}

TEST(ForwardReference, SoftmaxCrossEntropyValue) { check_cross_entropy(0.f); }

TEST(ForwardReference, SoftmaxCrossEntropyValueWithLabelSmoothing) { check_cross_entropy(0.1f); }

// Certain predictions (the right logit far above the others, as a trained model gives on easy
// images) cost a loss of ~exp(-gap) >= 0: a loss below 0 is a rounding error shown as "-0.0000".
TEST(ForwardReference, SoftmaxCrossEntropyOfCertainPredictionsIsNotNegative) {
  Context ctx;
  const int64_t batch = 64, classes = 2;
  const auto md = plain_desc({batch, classes});
  dnnl::memory logits(md, ctx.engine), diff(md, ctx.engine);
  std::vector<float> z(batch * classes);
  std::vector<int32_t> labels(batch);
  for (int64_t n = 0; n < batch; ++n) {
    labels[n] = int32_t(n % 2);
    z[n * classes + labels[n]] = 17.f + 0.25f * float(n);  // gaps 17 to 36.75: p rounds to 1
    z[n * classes + 1 - labels[n]] = -float(n % 5);
  }
  set_plain_values(logits, z, ctx);
  SoftmaxCrossEntropy loss(logits, diff, 0.f);
  const LossResult r = loss.forward(ctx.stream, labels.data(), batch);
  EXPECT_GE(r.loss_sum, 0.0);
  const double expected = ref_cross_entropy_sum(Tensor::of(z, batch, classes, 1, 1), labels, batch, 0.f);
  EXPECT_NEAR(r.loss_sum, expected, 1e-6);
  EXPECT_EQ(r.correct, batch);
}

// ---- Unit statistics ---------------------------------------------------------------------------

// The counters' definitions applied to the first `valid` images of a plain activation output,
// with the sum of the magnitudes of the values counted (the scale of the sum's rounding error).
struct NaiveCounts {
  UnitCounters counters;
  double magnitude = 0.0;
  explicit NaiveCounts(int64_t units) { counters.reset(units); }
};

void naive_count(const Tensor& y, int64_t valid, ActivationFn fn, NaiveCounts& naive) {
  UnitCounters& into = naive.counters;
  const double threshold = fn == ActivationFn::Sigmoid ? 0.5 : 0.0;
  for (int64_t n = 0; n < valid; ++n) {
    ++into.images;
    for (int64_t c = 0; c < y.c; ++c) {
      int64_t positive = 0;
      for (int64_t i = 0; i < y.h * y.w; ++i) {
        const float v = static_cast<float>(y.data[y.index(n, c, 0, 0) + i]);
        positive += v > threshold;
        into.zeros += v == 0.f;
        if (fn == ActivationFn::Tanh) into.saturated += std::fabs(v) > 0.99f;
        if (fn == ActivationFn::Sigmoid) into.saturated += v < 0.01f || v > 0.99f;
        into.sum += v;
        naive.magnitude += std::fabs(v);
        into.max = std::max(into.max, v);
        ++into.outputs;
      }
      into.active[c] += positive > 0;
      into.always_active[c] += positive == y.h * y.w;
    }
  }
}

void expect_counters_equal(const UnitCounters& actual, const NaiveCounts& naive) {
  const UnitCounters& expected = naive.counters;
  EXPECT_EQ(actual.images, expected.images);
  EXPECT_EQ(actual.active, expected.active);
  EXPECT_EQ(actual.always_active, expected.always_active);
  EXPECT_EQ(actual.outputs, expected.outputs);
  EXPECT_EQ(actual.zeros, expected.zeros);
  EXPECT_EQ(actual.saturated, expected.saturated);
  // The counter may add in float per unit and image: here at most 36 values, so its rounding
  // error stays below 36 float epsilons (2e-6) of the magnitudes added.
  EXPECT_NEAR(actual.sum, expected.sum, 1e-5 * naive.magnitude);
  EXPECT_EQ(actual.max, expected.max);
}

// Sets one channel's (or unit's) bias of weighted layer `layer` to `value`.
void set_bias(Fixture& f, size_t layer, int64_t unit, float value) {
  const Param* bias = f.net.layer(layer).params().at(1);
  std::vector<float> b = plain_values(bias->value, f.ctx);
  b[unit] = value;
  set_plain_values(bias->value, b, f.ctx);
}

// [conv 20 (blocked layout) -> conv_act -> fc 12 (plain nc) -> fc_act -> fc 5], batch 4 of which
// only 3 images are valid; two batches are counted so accumulation across forwards is covered.
void check_unit_counters(const Activation& conv_act, const Activation& fc_act) {
  const auto spec =
      make_model({3, 6, 6}, {conv_layer(20, 3, 1, 1), activation_layer(conv_act.fn, conv_act.alpha),
                             fc_layer(12), activation_layer(fc_act.fn, fc_act.alpha), fc_layer(5)});
  const int64_t batch = 4, valid = 3;
  Fixture f(spec, batch, NetworkPurpose::Inference, 15);
  // Units forced dead (every pre-activation far below 0) and always active (far above).
  set_bias(f, 0, 0, -100.f);
  set_bias(f, 0, 17, -100.f);
  set_bias(f, 0, 5, 100.f);
  set_bias(f, 2, 3, -100.f);
  set_bias(f, 2, 8, 100.f);
  auto& conv_stats = dynamic_cast<ActivationLayer&>(f.net.layer(1));
  auto& fc_stats = dynamic_cast<ActivationLayer&>(f.net.layer(3));
  conv_stats.enable_unit_stats(true);
  fc_stats.enable_unit_stats(true);
  f.net.set_valid_images(valid);

  NaiveCounts conv_expected(20), fc_expected(12);
  for (uint64_t round = 0; round < 2; ++round) {
    f.images = uniform_values(f.images.size(), 40 + round, -1.f, 1.f);
    // The invalid last image is much larger: counting it would change the maximum.
    const size_t per_image = f.images.size() / batch;
    for (size_t i = per_image * valid; i < f.images.size(); ++i) f.images[i] *= 50.f;
    std::copy(f.images.begin(), f.images.end(), f.net.input());
    f.net.forward(Pass::inference());
    naive_count(Tensor::of(f.net.output_of(1), f.ctx), valid, conv_act.fn, conv_expected);
    naive_count(Tensor::of(f.net.output_of(3), f.ctx), valid, fc_act.fn, fc_expected);
  }
  {
    SCOPED_TRACE("conv activation (blocked layout)");
    expect_counters_equal(conv_stats.counters(), conv_expected);
    EXPECT_EQ(conv_stats.counters().active[0], 0);
    EXPECT_EQ(conv_stats.counters().active[17], 0);
    EXPECT_EQ(conv_stats.counters().always_active[5], 2 * valid);
  }
  {
    SCOPED_TRACE("fc activation (plain layout)");
    expect_counters_equal(fc_stats.counters(), fc_expected);
    EXPECT_EQ(fc_stats.counters().active[3], 0);
    EXPECT_EQ(fc_stats.counters().always_active[8], 2 * valid);
  }
}

TEST(ForwardReference, UnitCountersReLU) {
  check_unit_counters({ActivationFn::ReLU, 0.f}, {ActivationFn::ReLU, 0.f});
}

TEST(ForwardReference, UnitCountersTanhAndSigmoid) {
  check_unit_counters({ActivationFn::Tanh, 0.f}, {ActivationFn::Sigmoid, 0.f});
}

TEST(ForwardReference, UnitCountersAfterFlattenCountTheChannels) {
  // Flatten is a view of the conv's 4-D output: the activation's units are the conv's channels.
  const auto spec = make_model({3, 5, 5}, {conv_layer(16, 3, 1, 1), flatten_layer(),
                                           activation_layer(ActivationFn::ReLU), fc_layer(5)});
  Fixture f(spec, 2, NetworkPurpose::Inference, 16);
  auto& stats = dynamic_cast<ActivationLayer&>(f.net.layer(2));
  stats.enable_unit_stats(true);
  f.net.set_valid_images(2);
  const Tensor y = f.forward_output(2);
  NaiveCounts expected(16);
  naive_count(y, 2, ActivationFn::ReLU, expected);
  expect_counters_equal(stats.counters(), expected);
}

}  // namespace
}  // namespace relunet::test
