#include "train/budget_plan.hpp"

#include <algorithm>
#include <stdexcept>

namespace relunet {

BudgetPlan::BudgetPlan(double budget_seconds, int64_t steps_per_epoch, int64_t max_steps, double target)
    : deadline_(budget_seconds * target),
      per_epoch_(std::max<int64_t>(steps_per_epoch, 1)),
      max_steps_(std::max<int64_t>(max_steps, 1)) {
  if (!(budget_seconds > 0)) throw std::invalid_argument("a time budget must be positive");
}

double BudgetPlan::seconds_left(const PlanInputs& in, int64_t total) const {
  // Epoch ends still to come: every epoch boundary after the current step, and the end of a
  // final partial epoch.
  const int64_t ends = (total + per_epoch_ - 1) / per_epoch_ - in.step / per_epoch_;
  return double(total - in.step) * in.step_seconds + double(ends) * in.epoch_end_seconds +
         in.final_extra_seconds;
}

bool BudgetPlan::fits(const PlanInputs& in, int64_t total) const {
  return in.elapsed_seconds + seconds_left(in, total) <= deadline_;
}

int64_t BudgetPlan::total_steps(const PlanInputs& in) const {
  const int64_t least = std::max<int64_t>(in.step, 1);
  int64_t lo = least, hi = std::max(least, max_steps_);
  if (fits(in, hi)) return hi;
  // The time left grows with the total: the largest total that fits, by bisection.
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (fits(in, mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

}  // namespace relunet
