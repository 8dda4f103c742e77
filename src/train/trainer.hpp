// trainer.hpp — the training loop: epochs of SGD over the training split, validation after each
// epoch, metrics.jsonl, last.ckpt every epoch and best.ckpt on the best validation accuracy.
#pragma once

#include <string>

#include "train/train_options.hpp"

namespace relunet {

struct TrainRun {
  std::string data_dir;
  std::string models_dir;
  TrainOptions options;  // ignored on resume: the checkpoint's options are used
  bool resume = false;
};

// Throws std::runtime_error on bad input or a diverging run (after keeping the last good
// checkpoint). Returns the best validation accuracy.
double train(const TrainRun& run);

}  // namespace relunet
