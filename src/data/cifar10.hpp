// cifar10.hpp — reader for the CIFAR-10 binary layout (cifar-10-batches-bin/).
// A record is 1 label byte (0-9) and 3072 pixel bytes: 1024 R, 1024 G, 1024 B, row-major 32x32.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace relunet {

class Cifar10 final : public Dataset {
 public:
  static constexpr int kSide = 32;
  static constexpr int kRecordBytes = 1 + 3 * kSide * kSide;
  static constexpr int kMaxRecordsPerFile = 10000;  // the official files hold exactly this many

  // `training`: data_batch_1..5.bin; otherwise test_batch.bin. Validates every file's size (a
  // whole number of records, 1 to kMaxRecordsPerFile, so small generated sets work too) and
  // every label; throws std::runtime_error naming the file (and record) at fault. Class names
  // come from batches.meta.txt.
  Cifar10(const std::string& dir, bool training);

  size_t size() const override { return labels_.size(); }
  int label(size_t i) const override { return labels_[i]; }
  cv::Mat image(size_t i) const override;
  const std::vector<std::string>& class_names() const override { return classes_; }

 private:
  std::vector<uint8_t> labels_;
  std::vector<uint8_t> pixels_;  // planar RGB per record, 3072 bytes each
  std::vector<std::string> classes_;
};

// Whether `dir` looks like a CIFAR-10 binary directory (has data_batch_1.bin or test_batch.bin).
bool is_cifar10_dir(const std::string& dir);

}  // namespace relunet
