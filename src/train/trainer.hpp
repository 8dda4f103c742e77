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

// Throws std::runtime_error on bad input or a diverging run (after keeping the last good
// checkpoint). Every input is checked before the run directory is created, so a run refused
// for bad input writes nothing. A new run refuses a directory that already holds one
// (last.ckpt). Returns the best validation accuracy.
double train(const TrainRun& run);

}  // namespace relunet
