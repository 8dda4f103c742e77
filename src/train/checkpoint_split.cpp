#include "train/checkpoint_split.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "train/train_options.hpp"

namespace relunet {

CheckpointSplit open_checkpoint_split(const LoadedModel& model, const std::string& data_dir,
                                      SplitName split, int batch) {
  TrainOptions run_opts;
  const auto state = nlohmann::json::parse(model.checkpoint.train_state_json);
  if (state.contains("options")) run_opts = train_options_from_json(state["options"]);
  CheckpointSplit s;
  s.data = open_dataset(data_dir, split);
  const size_t classes = model.checkpoint.class_names.size();
  if (s.data->class_names().size() != classes)
    throw std::runtime_error("the data set in " + data_dir + " has " +
                             std::to_string(s.data->class_names().size()) +
                             " classes but the checkpoint's model has " + std::to_string(classes));
  auto indices = split_indices(*s.data, split, run_opts.val_size, run_opts.seed);
  const auto& in = model.net->spec().input;
  s.loader = std::make_unique<BatchLoader>(*s.data, std::move(indices), model.checkpoint.norm,
                                           LoaderOptions{batch, int(in.h), int(in.w), {}, false, false, 0});
  return s;
}

}  // namespace relunet
