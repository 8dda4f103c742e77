// test_gradients.cpp — finite-difference checks of every layer's backward pass and of the loss.
//
// Each network is [conv0 -> layer(s) under test -> fc to K logits] on a small fixed batch, so one
// check covers the layer's parameter gradients and, through conv0's gradients, its input
// gradient. The loss is a float computation read as double; its derivative along one coordinate
// is estimated by the central difference (L(x+h) - L(x-h)) / 2h with h = 1e-3.
//
// Tolerance: |analytic - numeric| <= 2e-2 * max(|analytic|, |numeric|) + 2e-4. Float rounding of
// the loss (~1e-7 absolute, the loss being ~2) divided by 2h gives ~5e-5 of noise, and the
// truncation error (h^2/6 times the third derivative) is smaller still; typical gradients are
// 1e-2..1e-1, so a 10% error is caught (the checker's own test below proves it). Piecewise
// functions (ReLU, leaky ReLU, max pooling) have kinks, and with h = 1e-3 a perturbation only
// rarely moves a unit across one. When it does, the slopes on either side of x differ by the
// jump in slope rather than by about h times the curvature; such coordinates are counted as near
// a kink and skipped instead of compared, and at most a quarter of a tensor's sample may be.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/memory.hpp"
#include "test_support.hpp"

namespace relunet::test {
namespace {

constexpr int64_t kBatch = 3;
constexpr int64_t kClasses = 5;
const Shape kInput{3, 8, 8};

struct FdOptions {
  double step = 1e-3;   // h
  size_t samples = 30;  // coordinates checked per tensor (all when fewer)
  double rtol = 2e-2, atol = 2e-4;
  double analytic_scale = 1.0;  // != 1 only to prove the checker detects a wrong gradient
};

struct FdReport {
  std::string tensor;
  size_t checked = 0, near_kink = 0;
  std::vector<std::string> mismatches;
};

// The sampled coordinates of a tensor of `size` elements: a fixed pseudo-random subset.
std::vector<size_t> sample_coordinates(size_t size, size_t samples, uint64_t seed) {
  std::vector<size_t> all(size);
  std::iota(all.begin(), all.end(), size_t{0});
  if (size <= samples) return all;
  std::mt19937_64 gen(seed);
  std::shuffle(all.begin(), all.end(), gen);
  all.resize(samples);
  return all;
}

// Compares the gradient in `p.grad` (from the last backward) with finite differences of the loss
// in p's values. Leaves the values as they were.
FdReport check_tensor(BatchLoss& f, Param& p, const FdOptions& o) {
  Context& ctx = f.context();
  FdReport report;
  report.tensor = p.name;
  const std::vector<float> analytic = plain_values(p.grad, ctx);
  std::vector<float> values = plain_values(p.value, ctx);
  const std::vector<float> original = values;

  auto agree = [&](double a, double b) {
    return std::fabs(a - b) <= o.rtol * std::max(std::fabs(a), std::fabs(b)) + o.atol;
  };
  const double base = f.loss();
  // The loss at coordinate i moved by `delta`; also returns the step float rounding left of it.
  auto loss_at = [&](size_t i, double delta, double& applied) {
    values[i] = static_cast<float>(original[i] + delta);
    applied = values[i] - double{original[i]};
    set_plain_values(p.value, values, ctx);
    const double loss = f.loss();
    values[i] = original[i];
    return loss;
  };

  for (size_t i : sample_coordinates(values.size(), o.samples, std::hash<std::string>{}(p.name))) {
    double up = 0, down = 0;
    const double loss_up = loss_at(i, o.step, up), loss_down = loss_at(i, -o.step, down);
    // Either side's slope alone: they differ by only f''h on a smooth piece, but by the jump in
    // slope when a kink lies within the step, which would also bias the central difference.
    if (!agree((loss_up - base) / up, (base - loss_down) / -down)) {
      ++report.near_kink;
      continue;
    }
    ++report.checked;
    const double numeric = (loss_up - loss_down) / (up - down);
    const double a = analytic[i] * o.analytic_scale;
    if (agree(a, numeric)) continue;
    std::ostringstream m;
    m << p.name << "[" << i << "]: analytic " << a << ", numeric " << numeric;
    report.mismatches.push_back(m.str());
  }
  set_plain_values(p.value, original, ctx);
  return report;
}

std::vector<FdReport> check_all(BatchLoss& f, const FdOptions& o = {}) {
  f.loss_and_gradients();
  std::vector<FdReport> reports;
  for (Param* p : f.net().params())
    if (p->trainable()) reports.push_back(check_tensor(f, *p, o));
  return reports;
}

// Every trainable tensor's sampled gradient matches, with at most a quarter of a sample skipped
// near kinks. `expected_tensors` guards against a network that silently has fewer parameters.
void expect_gradients_match(BatchLoss& f, size_t expected_tensors) {
  const auto reports = check_all(f);
  EXPECT_EQ(reports.size(), expected_tensors);
  for (const FdReport& r : reports) {
    std::ostringstream detail;
    for (const auto& m : r.mismatches) detail << "\n  " << m;
    EXPECT_TRUE(r.mismatches.empty())
        << r.mismatches.size() << " of " << r.checked << " coordinates of " << r.tensor
        << " differ:" << detail.str();
    EXPECT_LE(r.near_kink * 4, r.checked + r.near_kink)
        << r.tensor << ": " << r.near_kink << " coordinates near kinks, too many to trust the rest";
  }
}

// [conv0 -> middle... -> fc to kClasses]: conv0 3x3 pad 1 keeps the 8x8 input size.
ModelSpec network_around(std::vector<LayerSpec> middle, int64_t conv0_filters = 6) {
  std::vector<LayerSpec> layers{conv_layer(conv0_filters, 3, 1, 1)};
  for (auto& l : middle) layers.push_back(std::move(l));
  layers.push_back(fc_layer(kClasses));
  return make_model(kInput, std::move(layers));
}

// ---- The checker itself ------------------------------------------------------------------------

TEST(Gradients, CheckerReportsACorruptedGradient) {
  BatchLoss f(network_around({conv_layer(8, 3, 2, 1, 2)}), kBatch, 0.f, 11);
  FdOptions corrupted;
  corrupted.analytic_scale = 1.1;
  size_t checked = 0, mismatched = 0;
  for (const FdReport& r : check_all(f, corrupted)) {
    checked += r.checked;
    mismatched += r.mismatches.size();
    EXPECT_FALSE(r.mismatches.empty()) << r.tensor << ": a 10% error went unnoticed";
  }
  // Only coordinates whose gradient is below the absolute tolerance may hide the error.
  EXPECT_GE(mismatched * 10, checked * 8) << mismatched << " of " << checked << " caught";
}

// ---- Convolution, pooling, inner product -------------------------------------------------------

TEST(Gradients, ConvolutionStridePaddingGroupsBias) {
  BatchLoss f(network_around({conv_layer(8, 3, 2, 1, 2, true)}), kBatch, 0.f, 1);
  expect_gradients_match(f, 6);
}

TEST(Gradients, ConvolutionWithoutBias) {
  BatchLoss f(network_around({conv_layer(8, 3, 2, 1, 2, false)}), kBatch, 0.f, 2);
  expect_gradients_match(f, 5);
}

TEST(Gradients, ConvolutionOfEightChannels) {
  // With 8 input channels the backward primitives in the forward's layouts can be oneDNN's
  // reference code, and the layer then reorders between layouts around them: those paths too.
  BatchLoss f(network_around({conv_layer(8, 3, 1, 1)}, 8), kBatch, 0.f, 17);
  expect_gradients_match(f, 6);
}

TEST(Gradients, ConvolutionWinograd) {
  // At batch 16 oneDNN runs a 3x3 stride-1 convolution forward and backward with Winograd.
  BatchLoss f(network_around({conv_layer(16, 3, 1, 1)}, 16), 16, 0.f, 18);
  const std::string impl = f.net().layer(1).forward_implementation();
  if (impl.find("wino") == std::string::npos)
    GTEST_SKIP() << "oneDNN has no Winograd kernel on this CPU (it runs " << impl << ")";
  expect_gradients_match(f, 6);
}

TEST(Gradients, MaxPoolingOverlapping) {
  BatchLoss f(network_around({pool_layer(LayerKind::MaxPool, 3, 2, 1)}), kBatch, 0.f, 3);
  expect_gradients_match(f, 4);
}

TEST(Gradients, AveragePoolingOverlapping) {
  BatchLoss f(network_around({pool_layer(LayerKind::AvgPool, 3, 2, 1)}), kBatch, 0.f, 4);
  expect_gradients_match(f, 4);
}

TEST(Gradients, InnerProductFromSpatialInput) {
  BatchLoss f(network_around({fc_layer(7)}), kBatch, 0.f, 5);
  expect_gradients_match(f, 6);
}

TEST(Gradients, InnerProductFromFlatInput) {
  // The middle fc reads the first fc's flat N x 9 output and passes its gradient back to it.
  BatchLoss f(network_around({fc_layer(9), fc_layer(7)}), kBatch, 0.f, 6);
  expect_gradients_match(f, 8);
}

// The gradient of W x + b is s times the output's, for the weights and for the input.
TEST(Gradients, InnerProductWithOutputScale) {
  auto hidden = fc_layer(12), logits = fc_layer(kClasses, false);
  hidden.output_scale = 0.5f;
  logits.output_scale = 1.f / 9;
  BatchLoss f(make_model(kInput, {conv_layer(6, 3, 1, 1), hidden, activation_layer(ActivationFn::Tanh), logits}),
              kBatch, 0.f, 20);
  expect_gradients_match(f, 5);  // conv0 2, hidden 2, logits' weights
}

// A frozen layer's weights get no gradient buffer (so no optimiser step); its bias still learns.
// As the first layer it computes no input gradient either; in the middle it passes one back.
// tanh, not ReLU: a bias moves every unit of its channel, too many of which would cross a kink.
TEST(Gradients, FrozenConvolutionTrainsOnlyItsBias) {
  auto whiten = conv_layer(24, 2);
  whiten.frozen = true;
  whiten.init = ConvInit::PatchWhitening;
  BatchLoss first(make_model(kInput, {whiten, activation_layer(ActivationFn::Tanh), fc_layer(kClasses)}),
                  kBatch, 0.f, 21);
  EXPECT_FALSE(first.net().layer(0).params()[0]->trainable());
  expect_gradients_match(first, 3);  // its bias, fc 2

  auto frozen = conv_layer(8, 3, 1, 1);
  frozen.frozen = true;
  BatchLoss middle(network_around({frozen, activation_layer(ActivationFn::Tanh)}), kBatch, 0.f, 22);
  EXPECT_FALSE(middle.net().layer(1).params()[0]->trainable());
  expect_gradients_match(middle, 5);  // conv0 2, its bias, fc 2
}

// ---- Activations: standalone (in place) and fused as post-ops ----------------------------------

TEST(Gradients, ActivationsAfterPooling) {
  for (const Activation& act : every_activation()) {
    SCOPED_TRACE(to_string(act));
    BatchLoss f(network_around(
                    {pool_layer(LayerKind::AvgPool, 2, 2, 0), activation_layer(act.fn, act.alpha)}),
                kBatch, 0.f, 7);
    ASSERT_FALSE(dynamic_cast<ActivationLayer&>(f.net().layer(2)).fused());
    expect_gradients_match(f, 4);
  }
}

TEST(Gradients, ActivationsAfterBatchNorm) {
  for (const Activation& act : every_activation()) {
    SCOPED_TRACE(to_string(act));
    BatchLoss f(network_around({batch_norm_layer(), activation_layer(act.fn, act.alpha)}), kBatch,
                0.f, 8);
    ASSERT_FALSE(dynamic_cast<ActivationLayer&>(f.net().layer(2)).fused());
    expect_gradients_match(f, 6);
  }
}

TEST(Gradients, ActivationsFusedIntoConvolution) {
  for (const Activation& act : every_activation()) {
    SCOPED_TRACE(to_string(act));
    BatchLoss f(network_around({conv_layer(8, 3, 1, 1), activation_layer(act.fn, act.alpha)}),
                kBatch, 0.f, 9);
    ASSERT_TRUE(dynamic_cast<ActivationLayer&>(f.net().layer(2)).fused());
    expect_gradients_match(f, 6);
  }
}

TEST(Gradients, ActivationsFusedIntoInnerProduct) {
  for (const Activation& act : every_activation()) {
    SCOPED_TRACE(to_string(act));
    BatchLoss f(network_around({fc_layer(12), activation_layer(act.fn, act.alpha)}), kBatch, 0.f,
                10);
    ASSERT_TRUE(dynamic_cast<ActivationLayer&>(f.net().layer(2)).fused());
    expect_gradients_match(f, 6);
  }
}

// ---- PReLU: input and slope gradients ----------------------------------------------------------

// The slopes' gradient directly; the input gradient through the gradients of the layers before
// (conv0, and the conv or fc in front). 20 channels: a partly filled block of a blocked layout.
TEST(Gradients, PReluAfterConvolutionAndInnerProduct) {
  BatchLoss conv(network_around({conv_layer(20, 3, 1, 1), prelu_layer()}), kBatch, 0.f, 23);
  ASSERT_EQ(conv.net().layer(2).params().at(0)->group, ParamGroup::Slope);
  expect_gradients_match(conv, 7);  // conv0 2, conv 2, slope, fc 2
  BatchLoss fc(network_around({fc_layer(12), prelu_layer(0.f)}), kBatch, 0.f, 24);
  expect_gradients_match(fc, 7);  // conv0 2, fc 2, slope, fc 2
}

// After a flatten every element of the spatial memory has its own slope.
TEST(Gradients, PReluAfterFlatten) {
  BatchLoss f(network_around({flatten_layer(), prelu_layer()}), kBatch, 0.f, 25);
  ASSERT_EQ(f.net().layer(2).params().at(0)->dims, (dnnl::memory::dims{6 * 8 * 8}));
  expect_gradients_match(f, 5);  // conv0 2, slope, fc 2
}

// As the first layer it computes no input gradient (oneDNN writes it to scratch), only the slopes'.
TEST(Gradients, PReluOnTheImages) {
  BatchLoss f(make_model(kInput, {prelu_layer(), conv_layer(6, 3, 1, 1), fc_layer(kClasses)}), kBatch, 0.f, 26);
  expect_gradients_match(f, 5);  // slope, conv 2, fc 2
}

// ---- Normalisation, dropout, flatten -----------------------------------------------------------

TEST(Gradients, LocalResponseNormalization) {
  // AlexNet's window and exponent; k = 1 and alpha = 0.5 so the normalisation really bends.
  BatchLoss f(network_around({lrn_layer(5, 0.5f, 0.75f, 1.f)}, 8), kBatch, 0.f, 12);
  expect_gradients_match(f, 4);
}

TEST(Gradients, BatchNormTrainingThroughBatchStatistics) {
  BatchLoss f(network_around({batch_norm_layer()}), kBatch, 0.f, 13, Pass::training_step(1));
  expect_gradients_match(f, 6);  // conv0 2, scale, shift, fc 2 (running stats are not trainable)
}

TEST(Gradients, BatchNormWithoutScale) {
  auto bn = batch_norm_layer();
  bn.bn_scale = false;
  BatchLoss f(network_around({bn, activation_layer(ActivationFn::ReLU)}), kBatch, 0.f, 19, Pass::training_step(1));
  expect_gradients_match(f, 5);  // conv0 2, shift, fc 2
}

TEST(Gradients, DropoutWithAFixedStep) {
  // The mask is a function of (seed, step, element): with the step fixed the loss is a
  // deterministic function of the parameters. p = 0 must be the identity in both directions.
  for (float p : {0.5f, 0.f}) {
    SCOPED_TRACE("p = " + std::to_string(p));
    BatchLoss f(network_around({dropout_layer(p)}), kBatch, 0.f, 14, Pass::training_step(42));
    expect_gradients_match(f, 4);
  }
}

TEST(Gradients, Flatten) {
  BatchLoss f(network_around({flatten_layer()}), kBatch, 0.f, 15);
  expect_gradients_match(f, 4);
}

// ---- The loss ----------------------------------------------------------------------------------

TEST(Gradients, LossWithLabelSmoothingThroughTheNetwork) {
  BatchLoss f(network_around({}), kBatch, 0.1f, 16);
  expect_gradients_match(f, 4);
}

// d(loss_sum / count)/d logits directly, for every logit, with rows past `count` ignored.
void check_loss_against_logits(float smoothing) {
  ScopedThreads one_thread(1);
  Context ctx;
  const int64_t batch = 4, classes = 6, count = 3;
  const auto md = plain_desc({batch, classes});
  dnnl::memory logits(md, ctx.engine), diff(md, ctx.engine);
  std::vector<float> z = uniform_values(batch * classes, 21, -3.f, 3.f);
  const std::vector<int32_t> labels = random_labels(batch, classes, 22);
  SoftmaxCrossEntropy loss(logits, diff, smoothing);

  auto mean_loss = [&] {
    set_plain_values(logits, z, ctx);
    return loss.forward(ctx.stream, labels.data(), count).loss_sum / count;
  };
  mean_loss();
  loss.backward();
  const std::vector<float> analytic = plain_values(diff, ctx);
  const double h = 1e-2;
  for (size_t i = 0; i < z.size(); ++i) {
    const float original = z[i];
    z[i] = static_cast<float>(original + h);
    const double up = mean_loss();
    z[i] = static_cast<float>(original - h);
    const double down = mean_loss();
    z[i] = original;
    const double numeric = (up - down) / (2 * h);
    // The loss is smooth in the logits: truncation ~h^2 ~ 1e-4 relative, noise ~1e-5.
    EXPECT_NEAR(analytic[i], numeric, 2e-2 * std::fabs(numeric) + 2e-4) << "logit " << i;
    if (static_cast<int64_t>(i) >= count * classes) {
      EXPECT_EQ(analytic[i], 0.f) << "logit " << i << " belongs to a row past count";
    }
  }
}

TEST(Gradients, LossAgainstLogits) { check_loss_against_logits(0.f); }

TEST(Gradients, LossWithLabelSmoothingAgainstLogits) { check_loss_against_logits(0.1f); }

}  // namespace
}  // namespace relunet::test
