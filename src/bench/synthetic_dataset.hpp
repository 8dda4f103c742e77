// synthetic_dataset.hpp — an in-memory Dataset of random images and labels, so the benchmark can
// run the real input pipeline without data files.
//
// Any size costs at most kPoolImages stored images: image i is a copy of pool image i mod the
// pool size, which costs about what decoding a CIFAR-10 record does (one 32x32x3 copy).
#pragma once

#include <cstdint>

#include "data/dataset.hpp"

namespace relunet {

class SyntheticDataset final : public Dataset {
 public:
  static constexpr size_t kPoolImages = 1024;

  // `size` images of side x side RGB pixels with labels in [0, classes); a pure function of `seed`.
  SyntheticDataset(size_t size, int classes, int side, uint64_t seed);

  size_t size() const override { return size_; }
  int label(size_t i) const override;
  cv::Mat image(size_t i) const override;
  const std::vector<std::string>& class_names() const override { return class_names_; }

 private:
  void check_index(size_t i) const;

  size_t size_;
  uint64_t seed_;
  std::vector<cv::Mat> pool_;
  std::vector<std::string> class_names_;  // "class0", "class1", ...
};

}  // namespace relunet
