// The weight average (EMA and lookahead) against its formula written out by hand in double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/memory.hpp"
#include "optim/weight_average.hpp"

namespace relunet {
namespace {

constexpr int kN = 5;

struct OneTensor {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  Param p;
  OneTensor() {
    p.name = "w";
    p.dims = {kN};
    p.value = dnnl::memory(plain_desc(p.dims), engine);
    for (int i = 0; i < kN; ++i) data_of(p.value)[i] = float(i) - 1.5f;
  }
  float* w() { return data_of(p.value); }
};

// What one "training step" does to the weights: a different move per step and element.
double move(int64_t step, int i) { return 0.1 * std::sin(double(step) + 0.7 * i) + 0.01 * i; }

// Runs `steps` steps of `epoch_steps` each through WeightAverage and a naive reference, checking
// the network's weights after every step and the average (swapped in) at every epoch end.
void expect_matches_reference(AverageOptions o, int64_t steps, int64_t epoch_steps) {
  OneTensor t;
  WeightAverage average({&t.p}, o);
  std::vector<double> w(t.w(), t.w() + kN), a(kN, 0.0);
  bool active = false;
  for (int64_t step = 1; step <= steps; ++step) {
    const int64_t epoch = (step - 1) / epoch_steps;
    for (int i = 0; i < kN; ++i) {
      t.w()[i] += float(move(step, i));
      w[i] = double(t.w()[i]);  // the same float the network holds
    }
    average.after_step(step, epoch, steps);
    if (epoch >= o.start_epoch && step % o.every == 0) {
      const double rho =
          active ? std::pow(double(o.decay), double(o.every)) * std::pow(double(step) / steps, double(o.ramp)) : 0.0;
      active = true;
      for (int i = 0; i < kN; ++i) {
        a[i] = rho * a[i] + (1 - rho) * w[i];
        if (o.kind == AverageKind::Lookahead) w[i] = a[i];
      }
    }
    if (step % epoch_steps == 0) {
      average.end_epoch();
      if (o.kind == AverageKind::Lookahead && active) w = a;
    }
    for (int i = 0; i < kN; ++i)
      ASSERT_NEAR(t.w()[i], w[i], 1e-5) << "live weight " << i << " after step " << step;
    EXPECT_EQ(average.active(), active) << "step " << step;
    if (step % epoch_steps == 0 && active) {
      const AveragedWeights averaged(average);
      for (int i = 0; i < kN; ++i)
        ASSERT_NEAR(t.w()[i], a[i], 1e-5) << "average " << i << " after step " << step;
    }
    for (int i = 0; i < kN; ++i) w[i] = double(t.w()[i]);  // swapped back exactly
  }
  EXPECT_TRUE(active) << "the run never reached the average's start";
}

TEST(WeightAverage, EmaFollowsTheFormulaAndLeavesTheNetworkAlone) {
  expect_matches_reference({AverageKind::Ema, 1, 0.9f, 0.f, 0}, 40, 10);
}

TEST(WeightAverage, LookaheadCopiesBackEveryUpdateAndAtEpochEnds) {
  expect_matches_reference({AverageKind::Lookahead, 5, 0.95f, 3.f, 3}, 70, 12);
}

TEST(WeightAverage, EmaWithRampAndLateStart) {
  expect_matches_reference({AverageKind::Ema, 3, 0.8f, 2.f, 2}, 60, 9);
}

// The average really differs from the live weights, and AveragedWeights puts them back exactly.
TEST(WeightAverage, SwapIsExactAndTheAverageLags) {
  OneTensor t;
  WeightAverage average({&t.p}, {AverageKind::Ema, 1, 0.9f, 0.f, 0});
  std::vector<float> before(t.w(), t.w() + kN);
  {
    const AveragedWeights inactive(average);  // no average yet: the network keeps its weights
    EXPECT_EQ(std::vector<float>(t.w(), t.w() + kN), before);
  }
  average.after_step(1, 0, 10);
  for (int i = 0; i < kN; ++i) t.w()[i] += 1.f;
  average.after_step(2, 0, 10);
  const std::vector<float> live(t.w(), t.w() + kN);
  {
    const AveragedWeights averaged(average);
    for (int i = 0; i < kN; ++i) EXPECT_NEAR(t.w()[i], before[i] + 0.1f, 1e-6);  // 0.9 x old + 0.1 x new
  }
  EXPECT_EQ(std::vector<float>(t.w(), t.w() + kN), live);
}

TEST(WeightAverage, NoneAllocatesNothingAndNeverStarts) {
  OneTensor t;
  WeightAverage average({&t.p}, {});
  for (int64_t step = 1; step <= 20; ++step) average.after_step(step, 10, 20);
  average.end_epoch();
  EXPECT_FALSE(average.active());
  EXPECT_TRUE(average.buffers().empty());
}

TEST(WeightAverage, ParsesNamesAndRejectsUnknown) {
  for (AverageKind k : {AverageKind::None, AverageKind::Ema, AverageKind::Lookahead})
    EXPECT_EQ(parse_average_kind(to_string(k)), k);
  EXPECT_THROW(parse_average_kind("swa"), std::invalid_argument);
}

}  // namespace
}  // namespace relunet
