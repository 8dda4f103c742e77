#include "data/data_source.hpp"

#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "data/cifar10.hpp"
#include "data/image_folder.hpp"
#include "data/splits.hpp"

namespace relunet {

std::string resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("RELUNET_DATA"); env && *env) return env;
  return "data/cifar-10-batches-bin";
}

SplitName parse_split(const std::string& text) {
  if (text == "train") return SplitName::Train;
  if (text == "val") return SplitName::Val;
  if (text == "test") return SplitName::Test;
  throw std::invalid_argument("unknown split '" + text + "' (use train, val or test)");
}

std::unique_ptr<Dataset> open_dataset(const std::string& dir, SplitName split) {
  const char* env = std::getenv("RELUNET_DATA");
  const std::string origin = env && dir == env ? " (from $RELUNET_DATA)" : "";
  std::error_code error;
  const auto status = std::filesystem::status(dir, error);
  if (!std::filesystem::exists(status))
    throw std::runtime_error("data directory '" + dir + "'" + origin +
                             " does not exist: get CIFAR-10 with scripts/get-cifar10.sh, or pass "
                             "--data DIR (or set RELUNET_DATA)");
  if (!std::filesystem::is_directory(status))
    throw std::runtime_error("data directory '" + dir + "'" + origin +
                             " is not a directory: pass --data DIR (or set RELUNET_DATA) to the "
                             "directory that holds the data");
  if (is_cifar10_dir(dir)) return std::make_unique<Cifar10>(dir, split != SplitName::Test);
  if (looks_like_image_folder(dir))
    return std::make_unique<ImageFolder>(dir, split == SplitName::Test);
  throw std::runtime_error("data directory '" + dir +
                           "' is neither CIFAR-10 (data_batch_1.bin ... test_batch.bin) nor an "
                           "image folder (DIR/<class>/<images> or DIR/train/<class>/<images>)");
}

bool carves_validation(const Dataset& data) {
  const auto* folder = dynamic_cast<const ImageFolder*>(&data);
  return !folder || !folder->has_val_folder();
}

std::vector<size_t> split_indices(const Dataset& data, SplitName split, size_t val_size,
                                  uint64_t seed) {
  auto range = [](size_t begin, size_t end) {
    std::vector<size_t> indices(end - begin);
    std::iota(indices.begin(), indices.end(), begin);
    return indices;
  };
  if (split == SplitName::Test) return range(0, data.size());
  if (!carves_validation(data)) {
    const size_t train_images = dynamic_cast<const ImageFolder&>(data).train_images();
    return split == SplitName::Train ? range(0, train_images) : range(train_images, data.size());
  }
  Split s = split_train_val(data.size(), val_size, seed);
  return split == SplitName::Train ? s.train : s.val;
}

}  // namespace relunet
