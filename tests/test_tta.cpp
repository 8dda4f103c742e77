// Test-time augmentation: the views and their weights against a naive reference, on a linear
// model whose logits can be computed by hand; mirror-symmetric weights make the flip a no-op.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "test_support.hpp"
#include "net/tta.hpp"

namespace relunet {
namespace {

using test::fc_layer;
using test::plain_values;
using test::set_plain_values;

constexpr int64_t kBatch = 4, kValid = 3, kC = 2, kH = 5, kW = 6, kClasses = 3;

int64_t reflect(int64_t p, int64_t n) { return p < 0 ? -p : p >= n ? 2 * (n - 1) - p : p; }

// A linear classifier on 2 x 5 x 6 images: logits = W x + b, computed naively per view.
struct Linear {
  Context ctx;
  Network net{test::make_model({kC, kH, kW}, {fc_layer(kClasses)}), kBatch, NetworkPurpose::Inference, 0, ctx};
  std::vector<float> input = test::uniform_values(size_t(kBatch * kC * kH * kW), 3, -1.f, 1.f);

  Linear() { test::randomize_params(net, 7); }
  Param* weight() { return net.params()[0]; }
  Param* bias() { return net.params()[1]; }

  // The reference: the weighted sum over `views` of the logits of each transformed image.
  std::vector<double> expected(const std::vector<TtaView>& views) {
    const std::vector<float> w = plain_values(weight()->value, ctx), b = plain_values(bias()->value, ctx);
    std::vector<double> out(size_t(kBatch * kClasses), 0.0);
    for (const TtaView& v : views)
      for (int64_t n = 0; n < kBatch; ++n)
        for (int64_t o = 0; o < kClasses; ++o) {
          double z = b[o];
          for (int64_t c = 0; c < kC; ++c)
            for (int64_t y = 0; y < kH; ++y)
              for (int64_t x = 0; x < kW; ++x) {
                const int64_t sy = reflect(y + v.shift, kH);
                const int64_t sx = reflect((v.mirrored ? kW - 1 - x : x) + v.shift, kW);
                z += double(w[((o * kC + c) * kH + y) * kW + x]) *
                     input[((n * kC + c) * kH + sy) * kW + sx];
              }
          out[n * kClasses + o] += v.weight * z;
        }
    return out;
  }

  std::vector<float> run(TtaMode mode) {
    TtaForward forward(net, mode);
    std::memcpy(net.input(), input.data(), input.size() * sizeof(float));
    forward.forward(kValid);
    const float* logits = static_cast<const float*>(net.logits().get_data_handle());
    return {logits, logits + kBatch * kClasses};
  }

  // Makes the weights mirror-symmetric: the logits of an image and of its mirror agree.
  void symmetrize() {
    std::vector<float> w = plain_values(weight()->value, ctx);
    for (int64_t oc = 0; oc < kClasses * kC; ++oc)
      for (int64_t y = 0; y < kH; ++y)
        for (int64_t x = 0; x < kW / 2; ++x)
          w[(oc * kH + y) * kW + kW - 1 - x] = w[(oc * kH + y) * kW + x];
    set_plain_values(weight()->value, w, ctx);
  }
};

void expect_near(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "logit " << i;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(double(a[i]) - b[i]));
  return d;
}

TEST(Tta, ViewsAndWeightsAreAirbenchs) {
  EXPECT_EQ(tta_views(TtaMode::None).size(), 1u);
  EXPECT_EQ(tta_views(TtaMode::Flip).size(), 2u);
  const std::vector<TtaView> six = tta_views(TtaMode::FlipShift);
  ASSERT_EQ(six.size(), 6u);
  for (TtaMode mode : {TtaMode::None, TtaMode::Flip, TtaMode::FlipShift}) {
    const auto views = tta_views(mode);
    EXPECT_FALSE(views[0].mirrored || views[0].shift) << "the image itself comes first";
    EXPECT_NEAR(std::accumulate(views.begin(), views.end(), 0.0,
                                [](double s, const TtaView& v) { return s + v.weight; }),
                1.0, 1e-7);
    EXPECT_EQ(parse_tta(to_string(mode)), mode);
  }
  int shifted = 0;
  for (const TtaView& v : six) shifted += v.shift != 0 && v.weight == 0.125f;
  EXPECT_EQ(shifted, 4);
  EXPECT_THROW(parse_tta("rotate"), std::invalid_argument);
}

TEST(Tta, LogitsAreTheWeightedMeanOverTheViews) {
  for (TtaMode mode : {TtaMode::None, TtaMode::Flip, TtaMode::FlipShift}) {
    Linear m;
    expect_near(m.run(mode), m.expected(tta_views(mode)), 1e-4);
  }
}

TEST(Tta, FlipChangesNothingForAMirrorSymmetricModelAndSomethingOtherwise) {
  Linear plain;
  const std::vector<float> itself = plain.run(TtaMode::None);
  EXPECT_GT(max_difference(plain.run(TtaMode::Flip), itself), 1e-3);

  Linear symmetric;
  symmetric.symmetrize();
  const std::vector<float> base = symmetric.run(TtaMode::None);
  EXPECT_LT(max_difference(symmetric.run(TtaMode::Flip), base), 1e-5);
  EXPECT_GT(max_difference(symmetric.run(TtaMode::FlipShift), base), 1e-3) << "shifts still count";
}

// Unit statistics count the images themselves, once each, not their augmented views.
TEST(Tta, UnitStatisticsCountEachImageOnce) {
  Context ctx;
  Network net(test::make_model({kC, kH, kW}, {test::conv_layer(4, 3, 1, 1), test::activation_layer(ActivationFn::ReLU), fc_layer(kClasses)}),
              kBatch, NetworkPurpose::Inference, 0, ctx);
  test::randomize_params(net, 5);
  const std::vector<float> input = test::uniform_values(size_t(kBatch * kC * kH * kW), 9, -1.f, 1.f);
  ASSERT_EQ(net.activations().size(), 1u);
  std::vector<int64_t> active;
  for (TtaMode mode : {TtaMode::None, TtaMode::FlipShift}) {
    net.activations()[0]->enable_unit_stats(true);
    TtaForward forward(net, mode);
    std::memcpy(net.input(), input.data(), input.size() * sizeof(float));
    forward.forward(kValid);
    const UnitCounters& c = net.activations()[0]->counters();
    EXPECT_EQ(c.images, kValid) << to_string(mode);
    if (active.empty()) active = c.active;
    else EXPECT_EQ(c.active, active) << "the plain view's counts";
  }
}

}  // namespace
}  // namespace relunet
