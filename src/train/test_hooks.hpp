// test_hooks.hpp — environment variables with which the tests slow a run down, make one rank fail
// or check the ranks' replicas; unset, they change nothing.
#pragma once

#include <cstdint>

namespace relunet {

// RELUNET_TEST_SLOWDOWN_EPOCH=N[:S]: from epoch N on, every training step waits as long as it
// computed, and at least S seconds, so the run's speed halves part-way, as on a machine that gets
// busy (or, with S, a short run lasts long enough for a signal to arrive mid-epoch).
// RELUNET_TEST_SLOW_VALIDATION=N:S: epoch N's end (its validation) takes S seconds longer, far
// more than the time budget's plan assumed.
struct TestSlowdown {
  int64_t epoch = 0;
  double min_step_seconds = 0;
  int64_t validation_epoch = 0;
  double validation_seconds = 0;
};
TestSlowdown test_slowdown();

// Test hooks of the data-parallel tests. RELUNET_TEST_FAIL_RANK=R:STEP:HOW makes rank R fail
// at step STEP, by throwing (HOW = throw) or by dying of SIGKILL (kill).
// RELUNET_TEST_CHECK_REPLICAS=1 checks after every step that all ranks hold the same weights.
void test_fail_rank(int rank, int64_t step);
bool test_check_replicas();

}  // namespace relunet
