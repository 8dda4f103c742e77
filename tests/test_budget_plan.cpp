// The time-budget plan against a brute-force search over every total, and how it reacts to a
// machine that slows down.
#include <gtest/gtest.h>

#include "train/budget_plan.hpp"

namespace relunet {
namespace {

// Seconds the rest of a run takes, counted step by step: every step, an epoch end at every
// epoch boundary and at the end, and the final extra.
double walk(const PlanInputs& in, int64_t total, int64_t per_epoch) {
  double t = in.final_extra_seconds;
  for (int64_t s = in.step + 1; s <= total; ++s) {
    t += in.step_seconds;
    if (s % per_epoch == 0 || s == total) t += in.epoch_end_seconds;
  }
  if (total == in.step && in.step % per_epoch != 0) t += in.epoch_end_seconds;  // the cut epoch
  return t;
}

// The largest total in [max(step, 1), max_steps] whose walk fits before the deadline.
int64_t brute_force(const PlanInputs& in, double deadline, int64_t per_epoch, int64_t max_steps) {
  const int64_t least = std::max<int64_t>(in.step, 1);
  for (int64_t total = max_steps; total > least; --total)
    if (in.elapsed_seconds + walk(in, total, per_epoch) <= deadline) return total;
  return least;
}

TEST(BudgetPlan, TakesTheMostStepsThatFitWithEveryEpochEnd) {
  const int64_t per_epoch = 7, max_steps = 400;
  const BudgetPlan plan(100.0, per_epoch, max_steps, 0.97);
  for (int64_t step : {0, 5, 7, 30}) {
    for (double step_seconds : {0.3, 0.55, 1.0}) {
      for (double end : {0.0, 1.5}) {
        const PlanInputs in{step * 0.6, step, step_seconds, end, 2.0};
        SCOPED_TRACE("step " + std::to_string(step) + ", " + std::to_string(step_seconds) +
                     " s per step, epoch end " + std::to_string(end) + " s");
        const int64_t total = plan.total_steps(in);
        EXPECT_EQ(total, brute_force(in, 97.0, per_epoch, max_steps));
        EXPECT_NEAR(plan.seconds_left(in, total), walk(in, total, per_epoch), 1e-9);
      }
    }
  }
}

TEST(BudgetPlan, ASlowerMachineShrinksThePlanAndAFasterOneGrowsIt) {
  const BudgetPlan plan(600.0, 10, 100000);
  const PlanInputs before{100.0, 200, 0.5, 4.0, 8.0};
  PlanInputs slower = before, faster = before;
  slower.step_seconds = 1.0;
  faster.step_seconds = 0.25;
  const int64_t planned = plan.total_steps(before);
  EXPECT_LT(plan.total_steps(slower), planned);
  EXPECT_GT(plan.total_steps(faster), planned);
  // The slower plan still uses the time: one more step would not fit, this one does.
  const int64_t total = plan.total_steps(slower);
  EXPECT_LE(slower.elapsed_seconds + plan.seconds_left(slower, total), 600.0 * BudgetPlan::kTarget);
  EXPECT_GT(slower.elapsed_seconds + plan.seconds_left(slower, total + 1), 600.0 * BudgetPlan::kTarget);
}

TEST(BudgetPlan, NeverPlansFewerStepsThanTakenNorMoreThanTheCap) {
  const BudgetPlan plan(60.0, 10, 50);
  EXPECT_EQ(plan.total_steps({70.0, 33, 1.0, 1.0, 0.0}), 33) << "over budget: stop now";
  EXPECT_EQ(plan.total_steps({0.0, 0, 100.0, 0.0, 0.0}), 1) << "at least one step";
  EXPECT_FALSE(plan.fits({0.0, 0, 100.0, 0.0, 0.0}, 1)) << "which the run warns about";
  EXPECT_TRUE(plan.fits({0.0, 0, 1.0, 0.0, 0.0}, 50));
  EXPECT_FALSE(plan.fits({10.0, 0, 1.0, 0.0, 0.0}, 50)) << "what has been spent counts";
  EXPECT_EQ(plan.total_steps({0.0, 0, 0.001, 0.0, 0.0}), 50) << "the --epochs cap";
  EXPECT_THROW(BudgetPlan(0.0, 10, 50), std::invalid_argument);
}

}  // namespace
}  // namespace relunet
