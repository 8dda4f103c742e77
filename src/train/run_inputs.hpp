// run_inputs.hpp — what a training run starts from: its options and state (a new run's, or those
// saved in the last.ckpt it resumes), the model, the data set with its training and validation
// splits, and the input normalisation. Every input is checked here, before the run directory is
// created, so that a run refused for bad input writes nothing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/normalization.hpp"
#include "data/dataset.hpp"
#include "io/checkpoint.hpp"
#include "model/model_spec.hpp"
#include "train/fine_tune.hpp"
#include "train/run_lock.hpp"
#include "train/run_state.hpp"
#include "train/trainer.hpp"

namespace relunet {

struct RunInputs {
  // Throws std::runtime_error for the first input that is wrong. A new run refuses a directory
  // that already holds one; a resumed run claims its directory at once (the leader, rank 0).
  RunInputs(const TrainRun& run, int ranks, bool leader);
  RunInputs(const RunInputs&) = delete;
  RunInputs& operator=(const RunInputs&) = delete;

  // The leader's claim on the run directory, which creates it: a new run's once every input has
  // been checked, checked again under the claim (another run may have started in it since).
  void claim_directory(bool leader);

  std::string out, last_path, best_path;  // the run directory and its checkpoints
  TrainOptions opts;                      // on resume the checkpoint's
  RunState state;                         // a new run's, or the checkpoint's
  std::optional<Checkpoint> resumed;      // the last.ckpt the run continues
  std::optional<Pretrained> pretrained;   // --init-from
  std::unique_ptr<Dataset> data;
  ModelSpec spec;
  std::vector<size_t> train_idx, val_idx;
  Normalization norm;

 private:
  void resume(const TrainRun& run, bool leader);
  void choose_model(const TrainRun& run);
  void split(const TrainRun& run);
  void refuse_existing_run() const;

  std::optional<RunDirectoryLock> claim_;  // held until the run ends
};

}  // namespace relunet
