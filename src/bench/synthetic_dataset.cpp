#include "bench/synthetic_dataset.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/random.hpp"

namespace relunet {

SyntheticDataset::SyntheticDataset(size_t size, int classes, int side, uint64_t seed)
    : size_(size), seed_(seed) {
  if (classes < 1) throw std::invalid_argument("synthetic dataset: classes must be at least 1");
  if (side < 1 || side > 4096)
    throw std::invalid_argument("synthetic dataset: image side must be in [1, 4096], got " +
                                std::to_string(side));
  for (int k = 0; k < classes; ++k) class_names_.push_back("class" + std::to_string(k));
  const size_t pool_size = std::min(size, kPoolImages);
  for (size_t p = 0; p < pool_size; ++p) {
    cv::Mat image(side, side, CV_8UC3);
    uint8_t* pixels = image.ptr<uint8_t>();
    for (size_t b = 0; b < image.total() * 3; ++b)
      pixels[b] = static_cast<uint8_t>(mix64(seed + mix64(p * image.total() * 3 + b)) >> 56);
    pool_.push_back(image);
  }
}

void SyntheticDataset::check_index(size_t i) const {
  if (i >= size_)
    throw std::out_of_range("synthetic image index " + std::to_string(i) + " out of range (" +
                            std::to_string(size_) + " images)");
}

int SyntheticDataset::label(size_t i) const {
  check_index(i);
  return static_cast<int>(mix64(~seed_ + i) % class_names_.size());
}

cv::Mat SyntheticDataset::image(size_t i) const {
  check_index(i);
  return pool_[i % pool_.size()].clone();
}

}  // namespace relunet
