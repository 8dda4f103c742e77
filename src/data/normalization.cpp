// normalization.cpp — per-channel mean and standard deviation of a set of images.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "data/dataset.hpp"

namespace relunet {

Normalization compute_normalization(const Dataset& data, const std::vector<size_t>& indices) {
  if (indices.empty()) throw std::runtime_error("cannot compute normalisation over zero images");
  // Raw 0..255 values summed in doubles stay exact integers (well below 2^53) for any
  // realistic dataset, so the only rounding happens in the final division.
  double sum[3] = {0, 0, 0}, sum_sq[3] = {0, 0, 0};
  double pixels = 0;
  for (size_t index : indices) {
    const cv::Mat image = data.image(index);
    if (image.type() != CV_8UC3)
      throw std::runtime_error("image " + std::to_string(index) + " is not 8-bit RGB");
    for (int y = 0; y < image.rows; ++y) {
      const uint8_t* row = image.ptr<uint8_t>(y);
      for (int x = 0; x < image.cols; ++x)
        for (int c = 0; c < 3; ++c) {
          const double v = row[3 * x + c];
          sum[c] += v;
          sum_sq[c] += v * v;
        }
    }
    pixels += static_cast<double>(image.total());
  }

  Normalization norm;
  for (int c = 0; c < 3; ++c) {
    const double mean = sum[c] / pixels / 255.0;
    const double variance = std::max(0.0, sum_sq[c] / pixels / (255.0 * 255.0) - mean * mean);
    const double stddev = std::sqrt(variance);
    norm.mean[c] = static_cast<float>(mean);
    // A constant channel carries no scale information; leave it unscaled instead of dividing by 0.
    norm.stddev[c] = stddev > 0 ? static_cast<float>(stddev) : 1.f;
  }
  return norm;
}

}  // namespace relunet
