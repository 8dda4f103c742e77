// dataset.hpp — a labelled image collection, independent of where the images come from.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/normalization.hpp"

namespace relunet {

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  virtual int label(size_t i) const = 0;
  // Decodes image i as 8-bit RGB (CV_8UC3), at its stored size. Thread-safe: the batch loader
  // calls it from its worker thread while the main thread may read labels.
  virtual cv::Mat image(size_t i) const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
};

// Mean and standard deviation per channel over the images `indices` of `data`.
Normalization compute_normalization(const Dataset& data, const std::vector<size_t>& indices);

}  // namespace relunet
