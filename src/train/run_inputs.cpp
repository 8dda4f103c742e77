#include "train/run_inputs.hpp"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "data/data_source.hpp"
#include "io/output_path.hpp"
#include "io/path_status.hpp"
#include "io/printable.hpp"
#include "train/checkpoint_split.hpp"
#include "train/option_checks.hpp"
#include "train/resume_checks.hpp"
#include "train/run_checkpoint.hpp"

namespace relunet {

namespace fs = std::filesystem;

RunInputs::RunInputs(const TrainRun& run, int ranks, bool leader)
    : out(run.options.out_dir), last_path(out + "/last.ckpt"), best_path(out + "/best.ckpt"),
      opts(run.options) {
  if (run.resume) {
    resume(run, leader);
  } else {
    // A run still going in --out is named as such (its files would be refused below otherwise).
    if (leader && is_directory_path(out)) {
      const RunDirectoryLock in_use_check(out);  // released at once: the claim comes later
    }
    refuse_existing_run();
  }
  if (leader) check_output_directory(out, "--out");  // only the leader writes
  check_ranks(opts, state, resumed.has_value(), ranks, last_path);
  state.ranks = ranks;
  data = open_dataset(run.data_dir, SplitName::Train);
  choose_model(run);
  split(run);
  // Fine-tuning keeps the normalisation the pretrained weights were trained with.
  norm = resumed      ? resumed->norm
         : pretrained ? pretrained->checkpoint.norm
                      : compute_normalization(*data, train_idx);
  if (resumed) {
    spdlog::info("resuming {} in epoch {} after batch {} (step {})", last_path, state.epoch + 1,
                 state.partial.batch, state.step);
  } else {
    // A bad validation image fails the run now, before anything is written, instead of at the
    // first validation (the normalisation pass has decoded every training image).
    for (size_t i : val_idx) data->image(i);
  }
}

// The options and state saved in last.ckpt; the options given again must not change.
void RunInputs::resume(const TrainRun& run, bool leader) {
  if (!path_exists(last_path)) throw std::runtime_error("cannot resume: " + last_path + " does not exist");
  if (leader) claim_.emplace(out);
  resumed = load_checkpoint(last_path);
  decode_train_state(*resumed, last_path, [&](const nlohmann::json& j) {
    opts = train_options_from_json(j.at("options"));
    state = state_from_json(j);
    check_state(state, opts);
  });
  opts.out_dir = out;
  reject_changed_options(run, opts, last_path);
}

// The checkpoint's model on resume, the pretrained one with --init-from, else --model. A new run
// sizes the model's final layer for the data set's classes (a model file's class count is what
// it was written for, not a property of the network: an image folder of 3 classes trains the
// default model with a 3-unit head); a resumed run must have the data it started with.
void RunInputs::choose_model(const TrainRun& run) {
  const auto classes = static_cast<int64_t>(data->class_names().size());
  if (classes == 1)  // one class: the loss is 0 and every prediction right, whatever the weights
    throw std::runtime_error("the data set in " + run.data_dir + " has only the class '" +
                             printable(data->class_names().front()) +
                             "': a classifier learns from two or more (one folder per class)");
  if (!resumed && !opts.init_from.empty())
    pretrained = load_pretrained(opts.init_from, data->class_names(), opts.freeze_before);
  spec = resumed      ? parse_model(resumed->model_json, last_path)
         : pretrained ? pretrained->spec
                      : load_model(opts.model, run.models_dir);
  if (resumed) check_activation(spec, opts, last_path);
  if (!resumed && opts.activation) override_activation(spec, *opts.activation);
  if (resumed) check_same_classes(data->class_names(), run.data_dir, resumed->class_names, last_path);
  if (classes != spec.classes) {
    spdlog::info("the data set in {} has {} classes: the final layer '{}' of the model {} ({} classes) "
                 "has {} units in this run",
                 run.data_dir, classes, spec.layers.back().name, opts.model, spec.classes, classes);
    set_class_count(spec, classes);
  }
  if (opts.augment.cutout > std::min(spec.input.h, spec.input.w))
    throw std::runtime_error("--cutout " + std::to_string(opts.augment.cutout) + " is larger than the " +
                             std::to_string(spec.input.h) + "x" + std::to_string(spec.input.w) +
                             " input of the model " + spec.name);
}

// The training and validation splits: --val-size carves the validation split from the training
// images, unless the image folder has its own.
void RunInputs::split(const TrainRun& run) {
  const bool carves_val = carves_validation(*data);
  const bool val_size_given = std::any_of(run.given_options.begin(), run.given_options.end(),
                                          [](const GivenOption& g) { return g.flag == "--val-size"; });
  if (!carves_val && val_size_given)
    throw std::runtime_error("--val-size does not apply: the image folder " + run.data_dir +
                             " has its own val/ folder, which is the validation split");
  if (carves_val && static_cast<size_t>(opts.val_size) >= data->size())
    throw std::runtime_error("--val-size " + std::to_string(opts.val_size) +
                             " leaves no training images: the data set in " + run.data_dir + " has " +
                             std::to_string(data->size()));
  train_idx = split_indices(*data, SplitName::Train, opts.val_size, opts.seed);
  val_idx = split_indices(*data, SplitName::Val, opts.val_size, opts.seed);
  if (train_idx.size() < static_cast<size_t>(opts.batch))
    throw std::runtime_error("--batch " + std::to_string(opts.batch) + " is more than the " +
                             std::to_string(train_idx.size()) + " training images in " + run.data_dir +
                             (carves_val ? " (after --val-size)" : ""));
  if (resumed)  // a training epoch is every whole batch of the training split
    check_partial_epoch(state.partial, spec, int64_t(train_idx.size()) / opts.batch, opts.unit_stats,
                        last_path);
}

void RunInputs::refuse_existing_run() const {
  if (path_exists(last_path))
    throw std::runtime_error(out + " already holds a run (" + last_path +
                             "): continue it with --resume, or choose another --out");
  // What is left of a run, or a checkpoint put there to fine-tune from: not ours to replace.
  for (const std::string& file : {best_path, out + "/metrics.jsonl"})
    if (path_exists(file))
      throw std::runtime_error(out + " already holds " + file + ", which a new run would replace: "
                               "choose another --out");
}

void RunInputs::claim_directory(bool leader) {
  if (!leader || claim_) return;
  claim_.emplace(out);
  refuse_existing_run();
}

}  // namespace relunet
