// budget_plan.hpp — how many optimiser steps fit in what is left of a time budget.
//
// A run with --time-budget plans its total steps at the start, from a few timed steps, and plans
// again after every epoch and several times within one, from the speed it measures, so that a
// machine that slows down (or speeds up) part-way moves the end of the learning-rate schedule
// instead of cutting it off. The plan counts the validation and checkpoints at every epoch end
// still to come (the last epoch may be partial) and the extra test-time-augmentation views of the
// last validation.
#pragma once

#include <cstdint>

namespace relunet {

// What the plan is made from, all measured.
struct PlanInputs {
  double elapsed_seconds = 0;    // spent so far, start-up included
  int64_t step = 0;              // optimiser steps taken
  double step_seconds = 0;       // recent wall time per training step, data waits included
  double epoch_end_seconds = 0;  // validation, statistics and checkpoints after an epoch
  double final_extra_seconds = 0;  // what the last validation costs on top (its TTA views)
};

class BudgetPlan {
 public:
  // The run aims to end by this fraction of its budget: the rest absorbs the noise of the last
  // stretch, so that it ends within 3% of the budget.
  static constexpr double kTarget = 0.98;

  // The run should end by `target` of `budget_seconds`; it takes at most `max_steps`, in epochs
  // of `steps_per_epoch`.
  BudgetPlan(double budget_seconds, int64_t steps_per_epoch, int64_t max_steps, double target = kTarget);

  // The total number of steps the run should take: the most that fit, never fewer than those
  // already taken (and at least one).
  int64_t total_steps(const PlanInputs& in) const;
  // Seconds the rest of the run takes if it ends after `total` steps.
  double seconds_left(const PlanInputs& in, int64_t total) const;
  // Whether a run that ends after `total` steps ends by the target.
  bool fits(const PlanInputs& in, int64_t total) const;

 private:
  double deadline_;
  int64_t per_epoch_, max_steps_;
};

}  // namespace relunet
