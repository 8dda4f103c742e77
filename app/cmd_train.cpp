// relunet train — train a model on CIFAR-10 and log per-epoch metrics.
#include <filesystem>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "data/data_source.hpp"
#include "train/trainer.hpp"

namespace relunet::cli {
namespace {
constexpr int64_t kUnlimitedEpochs = 100000;
}  // namespace

Command add_train(CLI::App& app) {
  auto* sub = app.add_subcommand("train", "Train a model; logs metrics and writes checkpoints");
  auto run = std::make_shared<TrainRun>();
  auto data = std::make_shared<std::string>();
  auto activation = std::make_shared<std::string>();
  auto schedule = std::make_shared<std::string>("one-cycle");
  auto decay_mode = std::make_shared<std::string>("l2");
  TrainOptions& o = run->options;
  sub->add_option("--model", o.model, "Model name in models/ or a model file path")->capture_default_str();
  sub->add_option("--data", *data, "Data directory (default: $RELUNET_DATA or data/cifar-10-batches-bin)");
  sub->add_option("--out", o.out_dir, "Run directory for metrics.jsonl and checkpoints (default: runs/MODEL)");
  auto* epochs = sub->add_option("--epochs", o.epochs, "Epochs (with --time-budget: the maximum, if given)")
      ->check(kPositive)->capture_default_str();
  sub->add_option("--batch", o.batch, "Batch size")->check(CLI::Range(1, 65536))->capture_default_str();
  sub->add_option("--lr", o.schedule.lr, "Peak learning rate")->check(kPositive)->capture_default_str();
  sub->add_option("--schedule", *schedule, "constant | step | cosine | one-cycle")->capture_default_str();
  sub->add_option("--warmup", o.schedule.warmup,
                  "Warm-up as a fraction of the run (default: 0.3 for one-cycle, else 0)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--step-epochs", o.schedule.step_epochs, "step schedule: epochs between decays")
      ->check(kPositive)->capture_default_str();
  sub->add_option("--gamma", o.schedule.gamma, "step schedule: decay factor")->capture_default_str();
  sub->add_option("--momentum", o.sgd.momentum, "SGD momentum")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  sub->add_flag("--nesterov", o.sgd.nesterov, "Nesterov momentum");
  sub->add_option("--weight-decay", o.sgd.weight_decay, "Weight decay (weights only)")
      ->check(kNonNegative)->capture_default_str();
  sub->add_option("--decay-mode", *decay_mode, "l2 (added to the gradient) | decoupled")->capture_default_str();
  sub->add_option("--label-smoothing", o.label_smoothing, "Label smoothing epsilon")
      ->check(CLI::Range(0.0, 0.999))->capture_default_str();
  sub->add_option("--activation", *activation,
                  "Override hidden activations: relu | leaky-relu[:slope] | tanh | sigmoid | elu[:alpha]");
  sub->add_option("--seed", o.seed, "Seed for initialisation, data order, augmentation, dropout")
      ->capture_default_str();
  sub->add_option("--time-budget", o.time_budget_minutes,
                  "Wall-clock budget in minutes: the epoch count is fitted to it")
      ->check(kPositive);
  sub->add_option("--val-size", o.val_size, "Validation images carved from the training set")
      ->check(kNonNegative)->capture_default_str();
  sub->add_option("--crop-pad", o.augment.crop_pad, "Random-crop padding in pixels (0: no crop)")
      ->check(CLI::Range(0, 64))->capture_default_str();
  sub->add_flag("!--no-flip", o.augment.flip, "Disable random horizontal flips");
  sub->add_flag("!--no-unit-stats", o.unit_stats, "Disable live dead-unit statistics");
  sub->add_option("--near-dead", o.near_dead, "Nearly-dead threshold: fraction of images")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  sub->add_option("--stop-at-train-accuracy", o.stop_at_train_accuracy,
                  "Stop after the first epoch whose training accuracy reaches this fraction")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_flag("--resume", run->resume, "Continue the run in --out from its last.ckpt");

  return {sub, [=] {
            run->data_dir = resolve_data_dir(*data);
            run->models_dir = models_dir();
            TrainOptions& opts = run->options;
            // With a time budget the budget sets the epoch count; --epochs only caps it when given.
            if (opts.time_budget_minutes > 0 && epochs->count() == 0) opts.epochs = kUnlimitedEpochs;
            if (opts.out_dir.empty())
              opts.out_dir = "runs/" + std::filesystem::path(opts.model).stem().string();
            opts.schedule.kind = parse_schedule(*schedule);
            opts.sgd.decay_mode = parse_decay_mode(*decay_mode);
            if (!activation->empty()) opts.activation = parse_activation(*activation);
            train(*run);
            return 0;
          }};
}

}  // namespace relunet::cli
