// train_options.hpp — everything that defines a training run. Saved in every checkpoint, so a
// resumed run continues with exactly the options it started with.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "data/batch_loader.hpp"
#include "model/model_spec.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/sgd.hpp"
#include "optim/weight_average.hpp"
#include "net/tta.hpp"

namespace relunet {

struct TrainOptions {
  std::string model = "alexnet-cifar-fast";  // name in models/ or a path; the default model
  std::string out_dir;            // run directory: metrics.jsonl, last.ckpt, best.ckpt
  int64_t epochs = 30;
  int64_t batch = 128;
  ScheduleOptions schedule;
  SgdOptions sgd;
  AverageOptions average;  // weight average that evaluation and checkpoints use
  float label_smoothing = 0.1f;  // the shipped model's recipe (tests/test_default_recipe.cpp)
  std::optional<Activation> activation;  // overrides the model's hidden activations
  uint64_t seed = 1;
  double time_budget_minutes = 0;  // > 0: choose the epoch count to fit this budget
  int64_t val_size = 5000;
  TtaMode tta = TtaMode::None;  // test-time augmentation of the validation after the last epoch
  Augmentation augment = kTrainingAugmentation;
  bool unit_stats = true;
  bool gradient_stats = true;  // per-layer gradient norms in metrics.jsonl (train/gradient_flow.hpp)
  double near_dead = 0.01;
  // > 0: stop after the first epoch whose training accuracy reaches it (for experiments that
  // measure the time to a training error, such as scripts/exp-relu-vs-tanh).
  double stop_at_train_accuracy = 0;
  // Fine-tuning: start from this checkpoint's model and weights instead of `model`
  // (train/fine_tune.hpp), and with `freeze_before` update only that layer and those after it.
  std::string init_from;
  std::string freeze_before;
};

nlohmann::json to_json(const TrainOptions& o);
// Throws OptionError (option_checks.hpp) for a value the command line would refuse.
TrainOptions train_options_from_json(const nlohmann::json& j);

}  // namespace relunet
