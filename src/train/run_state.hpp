// run_state.hpp — where a training run stands (epoch, step, plan, speeds, the epoch in progress),
// saved in every checkpoint next to its options, and the checks a resumed state must pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model_spec.hpp"
#include "stats/unit_history.hpp"
#include "train/train_options.hpp"

namespace relunet {

// Where a run stands; saved in every checkpoint next to the options.
struct RunState {
  int64_t epoch = 0;   // epochs completed
  int64_t step = 0;    // optimiser steps taken
  int64_t total_steps = 0;  // planned; the last epoch may end part-way
  int64_t epochs_total = 0;  // planned, the last one counted even if partial
  double best_val_accuracy = -1.0;
  int64_t best_epoch = 0;
  double elapsed_seconds = 0.0;
  int64_t ranks = 1;  // data-parallel processes: the shards and their order depend on it
  // With a time budget: the speeds measured last, which the plan starts from on resume.
  struct Speed {
    double step_seconds = 0;       // per training step
    double epoch_end_seconds = 0;  // validation, statistics, checkpoints
    double val_seconds = 0;        // one validation pass without test-time augmentation
  } speed;
  UnitHistory unit_history;  // from the validation reports (training reports without a val split)
  // The epoch in progress when a run is interrupted between batches; batch 0 at epoch ends.
  struct PartialEpoch {
    int64_t batch = 0;  // batches done
    double loss_sum = 0.0;
    int64_t correct = 0, seen = 0;
    std::vector<UnitCounters> units;  // training unit counters so far, one per activation layer
  } partial;
};

nlohmann::json state_json(const TrainOptions& o, const RunState& s);
RunState state_from_json(const nlohmann::json& j);

// A saved state is checked as strictly as the options: counters that contradict each other
// would run a wrong number of epochs or index past the unit counters.
void check_state(const RunState& s, const TrainOptions& o);

// The part of a saved state that depends on the model and data it resumes with.
void check_partial_epoch(const RunState::PartialEpoch& p, const ModelSpec& spec, int64_t steps_per_epoch,
                         bool unit_stats, const std::string& last_path);

}  // namespace relunet
