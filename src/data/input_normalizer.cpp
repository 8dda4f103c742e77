// input_normalizer.cpp — a per-channel lookup table from byte values to normalised floats.
#include "data/input_normalizer.hpp"

#include <cstdint>

namespace relunet {

InputNormalizer::InputNormalizer(const Normalization& norm) {
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v)
      table_[c][v] = static_cast<float>((v / 255.0 - norm.mean[c]) / norm.stddev[c]);
}

void InputNormalizer::write_planar(const cv::Mat& image, float* out) const {
  const size_t plane = size_t(image.rows) * image.cols;
  for (int y = 0; y < image.rows; ++y) {
    const uint8_t* row = image.ptr<uint8_t>(y);
    float* r = out + size_t(y) * image.cols;
    for (int x = 0; x < image.cols; ++x)
      for (int c = 0; c < 3; ++c) r[c * plane + x] = table_[c][row[3 * x + c]];
  }
}

}  // namespace relunet
