// checkpoint_split.hpp — the images of one split, preprocessed as a checkpoint's run did, for
// commands that evaluate a checkpoint (eval, inspect).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/batch_loader.hpp"
#include "data/data_source.hpp"
#include "train/run_checkpoint.hpp"

namespace relunet {

struct CheckpointSplit {
  std::unique_ptr<Dataset> data;
  std::unique_ptr<BatchLoader> loader;  // reads *data; declared after it, destroyed before it
};

// Whether a data set's classes are a checkpoint's, in its order (labels are indices, so another
// class list would be scored as if it were the checkpoint's). Classes named by their indices
// ("0", "1", ...: an ONNX model imported without names) fit any data set of as many classes.
bool same_classes(const std::vector<std::string>& data_classes, const std::vector<std::string>& checkpoint_classes);

// Throws std::runtime_error, naming the first difference, unless same_classes.
void check_same_classes(const std::vector<std::string>& data_classes, const std::string& data_dir,
                        const std::vector<std::string>& checkpoint_classes, const std::string& checkpoint);

// Opens `split` of the data set in `data_dir` for `model`: val and train are the partition the
// run carved out of the training images (the val_size and seed in the checkpoint's train state;
// the defaults when it has none), test is every test image. Batches of `batch` images in order,
// no augmentation, normalised with the checkpoint's statistics. Throws std::runtime_error when
// the data set's classes are not the model's (check_same_classes).
CheckpointSplit open_checkpoint_split(const LoadedModel& model, const std::string& data_dir,
                                      SplitName split, int batch);

}  // namespace relunet
