// resume_checks.hpp — what a run must agree with to continue a saved one: the options given again
// on the command line, and the number of processes.
#pragma once

#include <string>

#include "train/run_state.hpp"
#include "train/trainer.hpp"

namespace relunet {

// A resumed run keeps the options it started with (`saved`): an option given again on the
// command line must have the same value.
void reject_changed_options(const TrainRun& run, const TrainOptions& saved, const std::string& last_path);

// A data-parallel run splits every batch evenly over its ranks and resumes only with as many.
void check_ranks(const TrainOptions& o, const RunState& s, bool resumed, int ranks, const std::string& last_path);

}  // namespace relunet
