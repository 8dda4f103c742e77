#include "train/option_checks.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace relunet {
namespace {

// Upper bounds the command line has no reason to exceed; beyond them a value is a mistake.
constexpr int64_t kMaxEpochs = 100000;
constexpr int64_t kMaxBatch = 65536;
constexpr int kMaxCropPad = 64;

void check(bool ok, const char* flag, const std::string& problem) {
  if (!ok) throw OptionError(flag, problem);
}

void check_range(double value, double lo, double hi, const char* flag) {
  check(value >= lo && value <= hi, flag, fmt::format("must be from {:g} to {:g}, got {:g}", lo, hi, value));
}

void check_positive(double value, const char* flag) {
  check(std::isfinite(value) && value > 0, flag, fmt::format("must be a positive finite number, got {:g}", value));
}

void check_non_negative(double value, const char* flag) {
  check(std::isfinite(value) && value >= 0, flag, fmt::format("must be zero or a positive finite number, got {:g}", value));
}

}  // namespace

void validate(const TrainOptions& o) {
  check(o.epochs >= 1 && o.epochs <= kMaxEpochs, "--epochs",
        fmt::format("must be from 1 to {}, got {}", kMaxEpochs, o.epochs));
  check(o.batch >= 1 && o.batch <= kMaxBatch, "--batch",
        fmt::format("must be from 1 to {}, got {}", kMaxBatch, o.batch));
  check_positive(o.schedule.lr, "--lr");
  if (o.schedule.warmup != -1.f) check_range(o.schedule.warmup, 0, 1, "--warmup");
  check_positive(o.schedule.gamma, "--gamma");
  check(o.schedule.step_epochs >= 1 && o.schedule.step_epochs <= kMaxEpochs, "--step-epochs",
        fmt::format("must be from 1 to {}, got {}", kMaxEpochs, o.schedule.step_epochs));
  check_positive(o.schedule.div, "--lr-div");
  check_non_negative(o.schedule.final, "--lr-final");  // 0: anneal to zero (airbench96)
  check_range(o.sgd.momentum, 0, 1, "--momentum");
  check(!o.sgd.nesterov || o.sgd.momentum > 0, "--nesterov", "needs a --momentum above 0");
  check_non_negative(o.sgd.weight_decay, "--weight-decay");
  for (const auto& [group, flags] : {std::pair{o.sgd.bias, std::pair{"--bias-lr-scale", "--bias-decay"}},
                                     std::pair{o.sgd.norm, std::pair{"--norm-lr-scale", "--norm-decay"}}}) {
    check_non_negative(group.lr_scale, flags.first);
    check_non_negative(group.decay, flags.second);
  }
  check_range(o.label_smoothing, 0, 0.999, "--label-smoothing");
  check(std::isfinite(o.time_budget_minutes) && o.time_budget_minutes >= 0, "--time-budget",
        fmt::format("must be a positive finite number of minutes, got {:g}", o.time_budget_minutes));
  // best.ckpt is the epoch of the best validation accuracy: without validation images it would
  // stay at epoch 1 whatever happens after.
  check(o.val_size >= 1, "--val-size",
        fmt::format("must be at least 1 (best.ckpt is chosen by validation accuracy), got {}", o.val_size));
  check(o.augment.crop_pad >= 0 && o.augment.crop_pad <= kMaxCropPad, "--crop-pad",
        fmt::format("must be from 0 to {}, got {}", kMaxCropPad, o.augment.crop_pad));
  check(o.augment.cutout >= 0, "--cutout", fmt::format("must be zero or a positive side in pixels, got {}", o.augment.cutout));
  check_range(o.near_dead, 0, 1, "--near-dead");
  check_range(o.stop_at_train_accuracy, 0, 1, "--stop-at-train-accuracy");
  check(o.average.every >= 1, "--average-every", fmt::format("must be at least 1, got {}", o.average.every));
  check_range(o.average.decay, 0, 1, "--average-decay");
  check_non_negative(o.average.ramp, "--average-ramp");
  check(o.average.start_epoch >= 0 && o.average.start_epoch <= kMaxEpochs, "--average-start",
        fmt::format("must be from 0 to {}, got {}", kMaxEpochs, o.average.start_epoch));
}

void check_activation(const ModelSpec& model, const TrainOptions& o, const std::string& origin) {
  if (!o.activation) return;
  for (const LayerSpec& layer : model.layers)
    if (layer.kind == LayerKind::Activation && to_string(layer.act) != to_string(*o.activation))
      throw std::runtime_error(origin + ": the run's --activation " + to_string(*o.activation) + " is not the " +
                               to_string(layer.act) + " of its model's layer " + layer.name);
}

}  // namespace relunet
