// input_normalizer.hpp — 8-bit RGB images to the network's normalised planar float input, the
// same way for training, evaluation and classification.
#pragma once

#include <array>

#include "data/dataset.hpp"

namespace relunet {

class InputNormalizer {
 public:
  explicit InputNormalizer(const Normalization& norm);
  // `image`: CV_8UC3 RGB, interleaved; writes its 3 x rows x cols floats, channel planes in
  // R, G, B order, each value (v/255 - mean[c]) / stddev[c].
  void write_planar(const cv::Mat& image, float* out) const;

 private:
  std::array<std::array<float, 256>, 3> table_;  // [channel][pixel value] -> network input
};

}  // namespace relunet
