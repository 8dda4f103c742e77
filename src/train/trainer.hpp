// trainer.hpp — the training loop: epochs of SGD over the training split, validation after each
// epoch, metrics.jsonl, last.ckpt every epoch and best.ckpt on the best validation accuracy.
#pragma once

#include <string>
#include <vector>

#include "train/train_options.hpp"

namespace relunet {

// An option given on the command line, and where to_json(TrainOptions) holds its value.
struct GivenOption {
  std::string flag;     // "--lr"
  std::string pointer;  // JSON pointer: "/schedule/lr"
};

struct TrainRun {
  std::string data_dir;
  std::string models_dir;
  TrainOptions options;  // on resume the checkpoint's options are used instead
  // With `resume`: each of these must have the value the run was started with.
  std::vector<GivenOption> given_options;
  bool resume = false;
};

// How a run ended.
enum class TrainStatus {
  Finished,     // every planned step, or --stop-at-train-accuracy
  Interrupted,  // by a signal, after saving last.ckpt
};

struct TrainResult {
  TrainStatus status = TrainStatus::Finished;
  double best_val_accuracy = -1.0;
  int signal = 0;       // Interrupted: the signal's number (in a data-parallel run, any rank's)
  std::string message;  // Interrupted: where the run stopped and how to continue it
  // As a shell reports a command a signal ended: 128 + the signal's number; 0 when finished.
  int exit_code() const { return status == TrainStatus::Interrupted ? 128 + signal : 0; }
};

// Throws std::runtime_error on bad input or a diverging run (after keeping the last good
// checkpoint). Every input is checked before the run directory is created, so a run refused
// for bad input writes nothing. A new run refuses a directory that already holds one
// (last.ckpt). A signal (interrupt.hpp) ends the run at the next safe point, every rank
// together, with status Interrupted.
TrainResult train(const TrainRun& run);

}  // namespace relunet
