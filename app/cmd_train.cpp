// relunet train — train a model on CIFAR-10 and log per-epoch metrics.
#include <algorithm>
#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "data/data_source.hpp"
#include "dist/communicator.hpp"
#include "io/printable.hpp"
#include "train/option_checks.hpp"
#include "train/trainer.hpp"

namespace relunet::cli {
namespace {
constexpr int64_t kUnlimitedEpochs = 100000;

// Options that cannot all take effect together are a mistake, not a preference to guess at.
// Only the command line's own options count: a recipe's values suit the recipe's schedule.
void reject_contradictions(const std::set<const CLI::Option*>& explicit_options, const CLI::App& sub,
                           const TrainOptions& o) {
  const auto given = [&](const char* flag) { return explicit_options.count(sub.get_option(flag)) > 0; };
  const ScheduleKind kind = o.schedule.kind;
  for (const char* flag : {"--gamma", "--step-epochs"})
    if (given(flag) && kind != ScheduleKind::Step)
      throw CLI::ValidationError(flag, "applies only to --schedule step");
  if (given("--warmup") && (kind == ScheduleKind::Constant || kind == ScheduleKind::Step))
    throw CLI::ValidationError("--warmup", "applies only to --schedule cosine, one-cycle or triangle");
  if (given("--crop-fill") && o.augment.crop_pad == 0)
    throw CLI::ValidationError("--crop-fill", "needs a --crop-pad above 0");
  if (given("--flip-mode") && !o.augment.flip)
    throw CLI::ValidationError("--flip-mode", "has no effect with --no-flip");
  if (o.average.kind == AverageKind::None)
    for (const char* flag : {"--average-every", "--average-decay", "--average-ramp", "--average-start"})
      if (given(flag)) throw CLI::ValidationError(flag, "needs --average ema or lookahead");
  if (given("--near-dead") && !o.unit_stats)
    throw CLI::ValidationError("--near-dead", "has no effect with --no-unit-stats");
  if (given("--init-from") && given("--model"))
    throw CLI::ValidationError("--model", "does not apply with --init-from, which trains the checkpoint's model");
  if (given("--freeze-before") && o.init_from.empty())
    throw CLI::ValidationError("--freeze-before", "needs --init-from (freezing freshly initialised layers)");
  if (given("--lr-div") && kind != ScheduleKind::OneCycle && kind != ScheduleKind::Triangle)
    throw CLI::ValidationError("--lr-div", "applies only to --schedule one-cycle or triangle");
  if (given("--lr-final") && (kind == ScheduleKind::Constant || kind == ScheduleKind::Step))
    throw CLI::ValidationError("--lr-final", "applies only to --schedule cosine, one-cycle or triangle");
}

// Gives every run-defining option that the command line left out its value from the model's
// recipe, converted and checked exactly as if it had been typed. With a time budget the budget
// sets the epoch count, so a recipe's "epochs" applies only without one.
void apply_recipe(const ModelSpec& spec, const std::vector<CLI::Option*>& run_defining,
                  const std::set<const CLI::Option*>& explicit_options, bool time_budget) {
  for (const auto& [flag, value] : spec.recipe) {
    const std::string name = "--" + flag;  // a named copy: C++17 lambdas cannot capture bindings
    const auto it = std::find_if(run_defining.begin(), run_defining.end(),
                                 [&](CLI::Option* o) { return o->get_name() == name; });
    if (it == run_defining.end())
      throw std::runtime_error("model " + spec.name + ": recipe option \"" + flag +
                               "\" is not a relunet train option that defines a run");
    // A recipe says how to train its model, not which model or which weights to start from.
    if (flag == "model" || flag == "init-from" || flag == "freeze-before")
      throw std::runtime_error("model " + spec.name + ": recipe option \"" + flag +
                               "\" belongs on the command line, not in a recipe");
    if (explicit_options.count(*it) > 0 || (flag == "epochs" && time_budget)) continue;
    try {
      // A flag's value as the command line would read it: "no-flip": true turns flips off.
      (*it)->add_result((*it)->get_expected_min() == 0 ? (*it)->get_flag_value(flag, value) : value);
      (*it)->run_callback();
    } catch (const CLI::Error& e) {
      throw std::runtime_error("model " + spec.name + ": recipe option \"" + flag + "\": " + e.what());
    }
  }
}

}  // namespace

Command add_train(CLI::App& app) {
  auto* sub = app.add_subcommand("train", "Train a model; logs metrics and writes checkpoints");
  auto run = std::make_shared<TrainRun>();
  auto data = std::make_shared<std::string>();
  auto activation = std::make_shared<std::string>();
  auto schedule = std::make_shared<std::string>("one-cycle");
  auto decay_mode = std::make_shared<std::string>("l2");
  auto crop_fill = std::make_shared<std::string>("zero");
  auto average = std::make_shared<std::string>("none");
  auto tta = std::make_shared<std::string>("none");
  auto flip_mode = std::make_shared<std::string>("random");
  TrainOptions& o = run->options;
  // The options that define a run, with where to_json(TrainOptions) keeps each value: a resumed
  // run keeps its own values, so these are checked against them (trainer.hpp).
  auto run_defining = std::make_shared<std::vector<std::pair<CLI::Option*, std::string>>>();
  const auto defines = [&](CLI::Option* option, const char* pointer) {
    run_defining->emplace_back(option, pointer);
    return option;
  };
  defines(sub->add_option("--model", o.model, "Model name in models/ or a model file path"), "/model")
      ->capture_default_str();
  sub->add_option("--data", *data, "Data directory (default: $RELUNET_DATA or data/cifar-10-batches-bin)");
  sub->add_option("--out", o.out_dir, "Run directory for metrics.jsonl and checkpoints (default: runs/MODEL)");
  auto* epochs = defines(sub->add_option("--epochs", o.epochs,
                                         "Epochs (with --time-budget: the maximum, if given)"),
                         "/epochs")
                     ->check(kPositive)->capture_default_str();
  defines(sub->add_option("--batch", o.batch, "Batch size"), "/batch")
      ->check(CLI::Range(1, 65536))->capture_default_str();
  defines(sub->add_option("--lr", o.schedule.lr, "Peak learning rate"), "/schedule/lr")
      ->check(kPositive)->capture_default_str();
  defines(sub->add_option("--schedule", *schedule, "constant | step | cosine | one-cycle | triangle"),
          "/schedule/kind")
      ->check(parsed_by(parse_schedule))->capture_default_str();
  defines(sub->add_option("--warmup", o.schedule.warmup,
                          "Warm-up as a fraction of the run (default: 0.3 for one-cycle, else 0)"),
          "/schedule/warmup")
      ->check(CLI::Range(0.0, 1.0));
  defines(sub->add_option("--step-epochs", o.schedule.step_epochs, "step schedule: epochs between decays"),
          "/schedule/step_epochs")
      ->check(kPositive)->capture_default_str();
  defines(sub->add_option("--gamma", o.schedule.gamma, "step schedule: decay factor"), "/schedule/gamma")
      ->capture_default_str();
  defines(sub->add_option("--lr-div", o.schedule.div,
                          "one-cycle, triangle: the learning rate starts at --lr / this"),
          "/schedule/div")
      ->check(CLI::PositiveNumber)->capture_default_str();
  defines(sub->add_option("--lr-final", o.schedule.final,
                          "cosine, one-cycle, triangle: the final learning rate as a fraction of --lr"),
          "/schedule/final")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  defines(sub->add_option("--momentum", o.sgd.momentum, "SGD momentum"), "/sgd/momentum")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  defines(sub->add_flag("--nesterov", o.sgd.nesterov, "Nesterov momentum"), "/sgd/nesterov");
  defines(sub->add_option("--weight-decay", o.sgd.weight_decay, "Weight decay (weights only)"),
          "/sgd/weight_decay")
      ->check(kNonNegative)->capture_default_str();
  defines(sub->add_option("--decay-mode", *decay_mode, "l2 (added to the gradient) | decoupled"),
          "/sgd/decay_mode")
      ->check(parsed_by(parse_decay_mode))->capture_default_str();
  defines(sub->add_option("--bias-lr-scale", o.sgd.bias.lr_scale, "Learning-rate multiplier of conv/fc biases"),
          "/sgd/bias/lr_scale")
      ->check(kNonNegative)->capture_default_str();
  defines(sub->add_option("--bias-decay", o.sgd.bias.decay, "Weight decay of conv/fc biases"), "/sgd/bias/decay")
      ->check(kNonNegative)->capture_default_str();
  defines(sub->add_option("--norm-lr-scale", o.sgd.norm.lr_scale,
                          "Learning-rate multiplier of batch-norm scales and shifts"),
          "/sgd/norm/lr_scale")
      ->check(kNonNegative)->capture_default_str();
  defines(sub->add_option("--norm-decay", o.sgd.norm.decay, "Weight decay of batch-norm scales and shifts"),
          "/sgd/norm/decay")
      ->check(kNonNegative)->capture_default_str();
  defines(sub->add_option("--average", *average,
                          "Average of the weights that validation and checkpoints use: none | ema "
                          "| lookahead (also copied back into the network)"),
          "/average/kind")
      ->check(parsed_by(parse_average_kind))->capture_default_str();
  defines(sub->add_option("--average-every", o.average.every, "Optimiser steps between average updates"),
          "/average/every")
      ->check(kPositive)->capture_default_str();
  defines(sub->add_option("--average-decay", o.average.decay,
                          "Decay of the average per step (an update uses decay^every)"),
          "/average/decay")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  defines(sub->add_option("--average-ramp", o.average.ramp,
                          "The decay is scaled by (run progress)^ramp: light averaging early"),
          "/average/ramp")
      ->check(kNonNegative)->capture_default_str();
  defines(sub->add_option("--average-start", o.average.start_epoch, "Epochs before the average starts"),
          "/average/start_epoch")
      ->check(kNonNegative)->capture_default_str();
  defines(sub->add_option("--label-smoothing", o.label_smoothing, "Label smoothing epsilon"),
          "/label_smoothing")
      ->check(CLI::Range(0.0, 0.999))->capture_default_str();
  defines(sub->add_option("--activation", *activation,
                          "Override hidden activations: relu | leaky-relu[:slope] | tanh | sigmoid | elu[:alpha]"),
          "/activation")
      ->check(parsed_by(parse_activation));
  defines(sub->add_option("--seed", o.seed, "Seed for initialisation, data order, augmentation, dropout"),
          "/seed")
      ->check(parsed_by([](const std::string& text) {
        // Unchecked, -1 would wrap to 2^64-1 and a longer number saturate there: one seed for both.
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || text.size() > 20 || (text.size() == 20 && text > "18446744073709551615"))
          throw std::invalid_argument("must be a whole number from 0 to 18446744073709551615, got " + text);
      }))
      ->capture_default_str();
  defines(sub->add_option("--time-budget", o.time_budget_minutes,
                          "Wall-clock budget in minutes, start-up and validation included: the "
                          "steps are planned again as the run goes, to end annealed by then"),
          "/time_budget_minutes")
      ->check(kPositive);
  defines(sub->add_option("--val-size", o.val_size,
                          "Validation images carved from the training set (not with an image folder's val/)"),
          "/val_size")
      ->check(kNonNegative)->capture_default_str();
  defines(add_tta_option(sub, *tta, " for the validation after the last epoch"), "/tta");
  defines(sub->add_option("--crop-pad", o.augment.crop_pad, "Random-crop padding in pixels (0: no crop)"),
          "/crop_pad")
      ->check(CLI::Range(0, 64))->capture_default_str();
  defines(sub->add_option("--crop-fill", *crop_fill,
                          "What fills the crop padding: zero | reflect (the mirrored border)"),
          "/crop_fill")
      ->check(parsed_by(parse_crop_fill))->capture_default_str();
  defines(sub->add_option("--cutout", o.augment.cutout,
                          "Side in pixels of a random square of each training image set to the mean colour "
                          "(cutout; 0: none)"),
          "/cutout")
      ->check(CLI::Range(0, 4096))->capture_default_str();
  defines(sub->add_flag("!--no-flip", o.augment.flip, "Disable random horizontal flips"), "/flip");
  defines(sub->add_option("--flip-mode", *flip_mode,
                          "random (each epoch afresh) | alternating (a random half first, then "
                          "every image switches each epoch)"),
          "/flip_mode")
      ->check(parsed_by(parse_flip_mode))->capture_default_str();
  defines(sub->add_flag("!--no-unit-stats", o.unit_stats, "Disable live dead-unit statistics"), "/unit_stats");
  defines(sub->add_flag("!--no-gradient-stats", o.gradient_stats,
                        "Disable the per-layer gradient-flow statistics in metrics.jsonl"),
          "/gradient_stats");
  defines(sub->add_option("--near-dead", o.near_dead, "Nearly-dead threshold: fraction of images"),
          "/near_dead")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  defines(sub->add_option("--stop-at-train-accuracy", o.stop_at_train_accuracy,
                          "Stop after the first epoch whose training accuracy reaches this fraction"),
          "/stop_at_train_accuracy")
      ->check(CLI::Range(0.0, 1.0));
  defines(sub->add_option("--init-from", o.init_from,
                          "Fine-tune: start from this checkpoint's model and weights (the final layer is "
                          "replaced when the data has another number of classes)"),
          "/init_from");
  defines(sub->add_option("--freeze-before", o.freeze_before,
                          "With --init-from: keep the weights of the layers before this one (a layer name) fixed"),
          "/freeze_before");
  sub->add_flag("--resume", run->resume,
                "Continue the run in --out from its last.ckpt, with the options it started with");

  return {sub, [=] {
            run->data_dir = resolve_data_dir(*data);
            run->models_dir = models_dir();
            TrainOptions& opts = run->options;
            std::set<const CLI::Option*> explicit_options;
            std::vector<CLI::Option*> defining;
            for (const auto& [option, pointer] : *run_defining) {
              defining.push_back(option);
              if (option->count() > 0) {
                explicit_options.insert(option);
                run->given_options.push_back({option->get_name(), pointer});
              }
            }
            // A resumed run keeps its saved options; a new one starts from its model's recipe, and
            // fine-tuning from the defaults (the recipe is the model file's, not the checkpoint's).
            if (!run->resume && opts.init_from.empty())
              apply_recipe(load_model(opts.model, run->models_dir), defining, explicit_options,
                           opts.time_budget_minutes > 0);
            // With a time budget the budget sets the epoch count; --epochs only caps it when given.
            if (opts.time_budget_minutes > 0 && explicit_options.count(epochs) == 0)
              opts.epochs = kUnlimitedEpochs;
            if (!opts.init_from.empty()) opts.model = opts.init_from;  // the run's model comes from there
            if (opts.out_dir.empty())
              opts.out_dir = opts.init_from.empty() ? "runs/" + std::filesystem::path(opts.model).stem().string()
                                                    : "runs/finetune";
            opts.schedule.kind = parse_schedule(*schedule);
            opts.sgd.decay_mode = parse_decay_mode(*decay_mode);
            opts.augment.crop_fill = parse_crop_fill(*crop_fill);
            opts.average.kind = parse_average_kind(*average);
            opts.tta = parse_tta(*tta);
            opts.augment.flip_mode = parse_flip_mode(*flip_mode);
            if (!activation->empty()) opts.activation = parse_activation(*activation);
            if (!run->resume) {
              reject_contradictions(explicit_options, *sub, opts);
              try {
                validate(opts);
              } catch (const OptionError& e) {
                throw CLI::ValidationError(e.flag(), e.problem());
              }
            }
            const TrainResult result = train(*run);
            // Every rank stops together (the trainer agrees on it), after rank 0 saved the run.
            if (result.status == TrainStatus::Interrupted && world().rank() == 0)
              spdlog::error("{}", printable(result.message));
            return result.exit_code();
          },
          true};
}

}  // namespace relunet::cli
