#include "train/checkpoint_split.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "io/printable.hpp"
#include "train/train_options.hpp"

namespace relunet {

bool same_classes(const std::vector<std::string>& data_classes, const std::vector<std::string>& checkpoint_classes) {
  if (data_classes.size() != checkpoint_classes.size()) return false;
  bool unnamed = true;
  for (size_t i = 0; i < checkpoint_classes.size(); ++i) unnamed = unnamed && checkpoint_classes[i] == std::to_string(i);
  return unnamed || data_classes == checkpoint_classes;
}

void check_same_classes(const std::vector<std::string>& data_classes, const std::string& data_dir,
                        const std::vector<std::string>& checkpoint_classes, const std::string& checkpoint) {
  if (same_classes(data_classes, checkpoint_classes)) return;
  if (data_classes.size() != checkpoint_classes.size())
    throw std::runtime_error("the data set in " + data_dir + " has " + std::to_string(data_classes.size()) +
                             " classes but " + checkpoint + " has " + std::to_string(checkpoint_classes.size()));
  for (size_t i = 0; i < data_classes.size(); ++i)
    if (data_classes[i] != checkpoint_classes[i])
      throw std::runtime_error("the data set in " + data_dir + " names class " + std::to_string(i + 1) + " '" +
                               printable(data_classes[i]) + "' where " + checkpoint + " has '" +
                               printable(checkpoint_classes[i]) + "': is it the data set the model was trained on?");
}

CheckpointSplit open_checkpoint_split(const LoadedModel& model, const std::string& data_dir,
                                      SplitName split, int batch) {
  TrainOptions run_opts;
  bool trained_here = false;
  decode_train_state(model.checkpoint, model.path, [&](const nlohmann::json& state) {
    trained_here = state.contains("options");
    if (trained_here) run_opts = train_options_from_json(state["options"]);
  });
  CheckpointSplit s;
  s.data = open_dataset(data_dir, split);
  check_same_classes(s.data->class_names(), data_dir, model.checkpoint.class_names, model.path);
  // A model trained elsewhere (imported) gets the split a new run with the defaults would carve.
  if (split != SplitName::Test && carves_validation(*s.data) &&
      static_cast<size_t>(run_opts.val_size) >= s.data->size())
    throw std::runtime_error(
        "the data set in " + data_dir + " has " + std::to_string(s.data->size()) + " training images, too few for the " +
        std::to_string(run_opts.val_size) + "-image validation split of " + model.path +
        (trained_here ? ": is it the data set the run trained on?"
                      : " (not trained by relunet: the default split): evaluate it with --split test, on "
                        "CIFAR-10's test_batch.bin or an image folder's test/<class>/ folders"));
  auto indices = split_indices(*s.data, split, run_opts.val_size, run_opts.seed);
  const auto& in = model.net->spec().input;
  s.loader = std::make_unique<BatchLoader>(*s.data, std::move(indices), model.checkpoint.norm,
                                           LoaderOptions::evaluation(batch, int(in.h), int(in.w)));
  return s;
}

}  // namespace relunet
