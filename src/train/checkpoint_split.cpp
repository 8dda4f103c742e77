#include "train/checkpoint_split.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "train/train_options.hpp"

namespace relunet {

CheckpointSplit open_checkpoint_split(const LoadedModel& model, const std::string& data_dir,
                                      SplitName split, int batch) {
  TrainOptions run_opts;
  decode_train_state(model.checkpoint, model.path, [&](const nlohmann::json& state) {
    if (state.contains("options")) run_opts = train_options_from_json(state["options"]);
  });
  CheckpointSplit s;
  s.data = open_dataset(data_dir, split);
  const size_t classes = model.checkpoint.class_names.size();
  if (s.data->class_names().size() != classes)
    throw std::runtime_error("the data set in " + data_dir + " has " +
                             std::to_string(s.data->class_names().size()) + " classes but " +
                             model.path + " has " + std::to_string(classes));
  if (split != SplitName::Test && carves_validation(*s.data) &&
      static_cast<size_t>(run_opts.val_size) >= s.data->size())
    throw std::runtime_error("the data set in " + data_dir + " has " +
                             std::to_string(s.data->size()) + " training images, too few for the " +
                             std::to_string(run_opts.val_size) + "-image validation split of " +
                             model.path + ": is it the data set the run trained on?");
  auto indices = split_indices(*s.data, split, run_opts.val_size, run_opts.seed);
  const auto& in = model.net->spec().input;
  s.loader = std::make_unique<BatchLoader>(*s.data, std::move(indices), model.checkpoint.norm,
                                           LoaderOptions::evaluation(batch, int(in.h), int(in.w)));
  return s;
}

}  // namespace relunet
