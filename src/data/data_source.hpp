// data_source.hpp — finds a data set on disk and selects one of its splits.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace relunet {

// --data if given, else $RELUNET_DATA, else data/cifar-10-batches-bin.
std::string resolve_data_dir(const std::string& flag);

enum class SplitName { Train, Val, Test };
SplitName parse_split(const std::string& text);

// Opens the images a split is drawn from: the training images for train and val, the test
// images for test. `dir` is a CIFAR-10 binary directory or an image folder (image_folder.hpp),
// told apart by its content. A missing data set is an error that says how to get it.
std::unique_ptr<Dataset> open_dataset(const std::string& dir, SplitName split);

// Whether split_indices() carves the validation images out of the training images (val_size
// of them, chosen by seed): true except for an image folder with DIR/val.
bool carves_validation(const Dataset& data);

// The indices of `split` within the dataset open_dataset() returned for it. Test is everything.
// Train and val are the seeded partition of the training images (val_size images for val),
// except for an image folder with DIR/val: then val is those images, train the rest, and
// val_size and seed play no part.
std::vector<size_t> split_indices(const Dataset& data, SplitName split, size_t val_size, uint64_t seed);

}  // namespace relunet
