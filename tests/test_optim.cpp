// SGD and learning-rate schedules against the formulas written out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/memory.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/sgd.hpp"
#include "train/option_checks.hpp"

namespace relunet {
namespace {

struct OneParam {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  Param p;
  explicit OneParam(ParamGroup group) {
    p.name = "w";
    p.dims = {4};
    p.value = dnnl::memory(plain_desc(p.dims), engine);
    p.grad = dnnl::memory(plain_desc(p.dims), engine);
    p.group = group;
    const float w[4] = {1.f, -2.f, 0.5f, 3.f}, g[4] = {0.1f, 0.2f, -0.3f, 0.f};
    std::memcpy(data_of(p.value), w, sizeof w);
    std::memcpy(data_of(p.grad), g, sizeof g);
  }
};

SgdOptions sgd_options(float momentum, bool nesterov, float weight_decay, DecayMode mode) {
  SgdOptions o;
  o.momentum = momentum;
  o.nesterov = nesterov;
  o.weight_decay = weight_decay;
  o.decay_mode = mode;
  return o;
}

// Two steps with the same gradient, computed naively in double.
void expect_two_steps(SgdOptions opts, ParamGroup group) {
  OneParam one(group);
  std::vector<double> w(data_of(one.p.value), data_of(one.p.value) + 4), v(4, 0.0);
  const std::vector<double> g(data_of(one.p.grad), data_of(one.p.grad) + 4);
  Sgd sgd({&one.p}, opts);
  const float lrs[2] = {0.1f, 0.05f};
  const GroupOptions settings = group == ParamGroup::Weight  ? GroupOptions{1.f, opts.weight_decay}
                                : group == ParamGroup::Bias  ? opts.bias
                                : group == ParamGroup::Slope ? GroupOptions{1.f, 0.f}
                                                             : opts.norm;
  for (float schedule_lr : lrs) {
    sgd.step(schedule_lr);
    const double wd = settings.decay, lr = double(schedule_lr) * settings.lr_scale;
    for (int i = 0; i < 4; ++i) {
      const double grad = g[i] + (opts.decay_mode == DecayMode::L2 ? wd * w[i] : 0.0);
      v[i] = opts.momentum * v[i] + grad;
      const double shrink = opts.decay_mode == DecayMode::Decoupled ? 1.0 - lr * wd : 1.0;
      w[i] = shrink * w[i] - lr * (opts.nesterov ? grad + opts.momentum * v[i] : v[i]);
    }
  }
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(data_of(one.p.value)[i], w[i], 2e-6 * (1 + std::fabs(w[i]))) << "element " << i;
}

TEST(Optim, SgdMomentumL2) { expect_two_steps(sgd_options(0.9f, false, 0.01f, DecayMode::L2), ParamGroup::Weight); }
TEST(Optim, SgdNesterovDecoupled) {
  expect_two_steps(sgd_options(0.9f, true, 0.01f, DecayMode::Decoupled), ParamGroup::Weight);
}
TEST(Optim, SgdNoDecayOnBiasesOrNormsByDefault) {
  expect_two_steps(sgd_options(0.5f, false, 0.5f, DecayMode::L2), ParamGroup::Bias);
  expect_two_steps(sgd_options(0.5f, false, 0.5f, DecayMode::L2), ParamGroup::Norm);
}
// airbench's batch-norm shifts: 64x the lr with the same absolute decay (decay / 64).
TEST(Optim, SgdGroupLearningRateScaleAndDecay) {
  SgdOptions opts = sgd_options(0.85f, true, 0.01f, DecayMode::L2);
  opts.norm = {64.f, 0.01f / 64};
  opts.bias = {2.f, 0.003f};
  expect_two_steps(opts, ParamGroup::Norm);
  expect_two_steps(opts, ParamGroup::Bias);
  expect_two_steps(opts, ParamGroup::Weight);
}

// PReLU slopes: the schedule's lr and never any decay (He et al. 2015), whatever the groups' options.
TEST(Optim, SgdSlopesTakeNoDecayInAnyMode) {
  for (DecayMode mode : {DecayMode::L2, DecayMode::Decoupled}) {
    SgdOptions opts = sgd_options(0.9f, mode == DecayMode::L2, 0.5f, mode);
    opts.norm = {64.f, 0.1f};
    opts.bias = {2.f, 0.1f};
    expect_two_steps(opts, ParamGroup::Slope);
    // The same steps as a parameter whose decay is 0: plain momentum SGD.
    OneParam slope(ParamGroup::Slope), free(ParamGroup::Bias);
    SgdOptions no_decay = opts;
    no_decay.bias = {1.f, 0.f};
    Sgd a({&slope.p}, opts), b({&free.p}, no_decay);
    a.step(0.1f);
    b.step(0.1f);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(data_of(slope.p.value)[i], data_of(free.p.value)[i]) << i;
  }
}

TEST(Optim, SgdSkipsNonTrainable) {
  OneParam one(ParamGroup::Weight);
  one.p.grad = dnnl::memory();
  Sgd sgd({&one.p}, {});
  EXPECT_TRUE(sgd.params().empty());
}

TEST(Optim, OneCycleWarmsUpThenAnneals) {
  ScheduleOptions o;
  o.kind = ScheduleKind::OneCycle;
  o.lr = 0.4f;
  LrSchedule s(o, 1000, 100);
  EXPECT_NEAR(s.at(0), 0.4f / o.div, 1e-6);
  EXPECT_NEAR(s.at(300), 0.4f, 1e-6);      // peak at the end of the 30% warm-up
  EXPECT_LT(s.at(150), s.at(300));
  EXPECT_GT(s.at(150), s.at(0));
  EXPECT_NEAR(s.at(1000), 0.4f * o.final, 1e-6);
  EXPECT_NEAR(s.at(650), 0.5 * (0.4 + 0.4 * o.final), 1e-4);  // half-way down the cosine
}

ScheduleOptions triangle(float lr, float warmup, float div, float final) {
  ScheduleOptions o;
  o.kind = ScheduleKind::Triangle;
  o.lr = lr;
  o.warmup = warmup;
  o.div = div;
  o.final = final;
  return o;
}

// airbench94's schedule: linear 0.2 -> 1 at 23% of the steps -> linear to 0.07 (multiples of lr).
TEST(Optim, TriangleIsLinearBothWays) {
  LrSchedule s(triangle(2.f, 0.2f, 5.f, 0.1f), 1000, 100);
  EXPECT_NEAR(s.at(0), 0.4, 1e-6);
  EXPECT_NEAR(s.at(100), 0.4 + 0.5 * 1.6, 1e-5);  // half-way up
  EXPECT_NEAR(s.at(200), 2.0, 1e-6);
  EXPECT_NEAR(s.at(600), 2.0 + 0.5 * (0.2 - 2.0), 1e-5);  // half-way down, a straight line
  EXPECT_NEAR(s.at(1000), 0.2, 1e-6);
}

// airbench96's long schedule: --lr-final 0 anneals all the way to zero.
TEST(Optim, TriangleWithFinalZeroEndsAtZero) {
  LrSchedule s(triangle(1.5f, 0.1f, 5.f, 0.f), 1000, 100);
  EXPECT_NEAR(s.at(100), 1.5, 1e-6);
  EXPECT_NEAR(s.at(550), 0.75, 1e-5);
  EXPECT_EQ(s.at(1000), 0.f);
}

// The options check (command line, model-file recipe, resumed checkpoint) lets that schedule run.
TEST(Optim, LrFinalZeroPassesTheOptionChecks) {
  TrainOptions o;
  o.schedule = triangle(1.5f, 0.1f, 5.f, 0.f);
  EXPECT_NO_THROW(validate(o));
  o.schedule.final = -0.1f;
  EXPECT_THROW(validate(o), OptionError);
}

TEST(Optim, StepAndConstantAndCosine) {
  ScheduleOptions o;
  o.lr = 1.f;
  o.kind = ScheduleKind::Step;
  o.step_epochs = 2;
  o.gamma = 0.5f;
  LrSchedule step(o, 1000, 100);
  EXPECT_FLOAT_EQ(step.at(199), 1.f);
  EXPECT_FLOAT_EQ(step.at(200), 0.5f);
  EXPECT_FLOAT_EQ(step.at(450), 0.25f);
  o.kind = ScheduleKind::Constant;
  EXPECT_FLOAT_EQ(LrSchedule(o, 1000, 100).at(777), 1.f);
  o.kind = ScheduleKind::Cosine;
  LrSchedule cosine(o, 1000, 100);
  EXPECT_FLOAT_EQ(cosine.at(0), 1.f);
  EXPECT_NEAR(cosine.at(500), 0.5 * (1 + o.final), 1e-5);
}

TEST(Optim, ParsesNamesAndRejectsUnknown) {
  EXPECT_EQ(parse_schedule("one-cycle"), ScheduleKind::OneCycle);
  EXPECT_EQ(parse_schedule("cosine"), ScheduleKind::Cosine);
  EXPECT_THROW(parse_schedule("linear"), std::invalid_argument);
  EXPECT_EQ(parse_decay_mode("decoupled"), DecayMode::Decoupled);
  EXPECT_THROW(parse_decay_mode("l1"), std::invalid_argument);
}

}  // namespace
}  // namespace relunet
