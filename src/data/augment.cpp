#include "data/augment.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "data/image_decode.hpp"
#include "data/seeded_random.hpp"

namespace relunet {
namespace {

// Uniform in [0, 1) from the top 53 bits: exact and the same with every standard library.
double uniform_unit(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

// A random region of 35-100% of the image's area with an aspect ratio in [3/4, 4/3]
// (log-uniform), as in Inception's random-resized crop; the whole image if 10 draws miss.
cv::Rect random_crop_region(cv::Size size, std::mt19937_64& rng) {
  const double area = double(size.area());
  const double log_min = std::log(3.0 / 4.0), log_max = std::log(4.0 / 3.0);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (0.35 + 0.65 * uniform_unit(rng));
    const double ratio = std::exp(log_min + (log_max - log_min) * uniform_unit(rng));
    const int w = int(std::lround(std::sqrt(target * ratio)));
    const int h = int(std::lround(std::sqrt(target / ratio)));
    if (w < 1 || h < 1 || w > size.width || h > size.height) continue;
    const int x = int(uniform_below(rng, uint64_t(size.width - w + 1)));
    const int y = int(uniform_below(rng, uint64_t(size.height - h + 1)));
    return {x, y, w, h};
  }
  return cv::Rect(cv::Point(0, 0), size);
}

}  // namespace

CropFill parse_crop_fill(const std::string& text) {
  if (text == "zero") return CropFill::Zero;
  if (text == "reflect") return CropFill::Reflect;
  throw std::invalid_argument("unknown crop fill '" + text + "' (use zero or reflect)");
}

std::string to_string(CropFill fill) { return fill == CropFill::Zero ? "zero" : "reflect"; }

FlipMode parse_flip_mode(const std::string& text) {
  if (text == "random") return FlipMode::Random;
  if (text == "alternating") return FlipMode::Alternating;
  throw std::invalid_argument("unknown flip mode '" + text + "' (use random or alternating)");
}

std::string to_string(FlipMode mode) { return mode == FlipMode::Random ? "random" : "alternating"; }

bool alternating_flip(uint64_t seed, int64_t epoch, size_t image) {
  const bool first_epoch = mix_seed({seed, kFlipStream, uint64_t(image)}) >> 63;
  return first_epoch != bool(epoch & 1);
}

Augmenter::Augmenter(Augmentation augment, int height, int width)
    : augment_(augment), height_(height), width_(width) {
  if (augment.cutout < 0 || augment.cutout > std::min(height, width))
    throw std::invalid_argument("cutout " + std::to_string(augment.cutout) + " does not fit a " +
                                std::to_string(height) + "x" + std::to_string(width) + " input");
}

cv::Mat Augmenter::fit(const cv::Mat& image) const {
  return to_model_input(image, height_, width_, FitMode::Resize);
}

// An image larger than the input gets a random-resized crop, any other image a random crop
// after padding by crop_pad. The random flip is drawn after the crop, from the same generator.
cv::Mat Augmenter::apply(const cv::Mat& image, const ImageDraw& d) {
  const int pad = augment_.crop_pad;
  if (pad == 0 && !augment_.flip) return fit(image);
  std::mt19937_64 rng(mix_seed(
      {d.seed, kAugmentStream, uint64_t(d.epoch), uint64_t(d.batch), uint64_t(d.position)}));
  const bool larger = image.rows > height_ || image.cols > width_;
  cv::Mat view;
  if (pad > 0 && larger) {
    view = fit(image(random_crop_region(image.size(), rng)));
  } else if (pad > 0) {
    const int border =
        augment_.crop_fill == CropFill::Zero ? cv::BORDER_CONSTANT : cv::BORDER_REFLECT_101;
    cv::copyMakeBorder(fit(image), padded_, pad, pad, pad, pad, border, cv::Scalar::all(0));
    const int x = int(uniform_below(rng, 2 * pad + 1));
    const int y = int(uniform_below(rng, 2 * pad + 1));
    view = padded_(cv::Rect(x, y, width_, height_));
  } else {
    view = fit(image);
  }
  const bool mirror = augment_.flip && (augment_.flip_mode == FlipMode::Random
                                            ? bool(rng() & 1)
                                            : alternating_flip(d.seed, d.epoch, d.image));
  if (!mirror) return view;
  cv::flip(view, flipped_, 1);
  return flipped_;
}

void Augmenter::cut_out(float* planes, int channels, const ImageDraw& d) const {
  const int side = augment_.cutout;
  if (side == 0) return;
  std::mt19937_64 rng(mix_seed(
      {d.seed, kCutoutStream, uint64_t(d.epoch), uint64_t(d.batch), uint64_t(d.position)}));
  const int x = int(uniform_below(rng, uint64_t(width_ - side + 1)));
  const int y = int(uniform_below(rng, uint64_t(height_ - side + 1)));
  for (int c = 0; c < channels; ++c)
    for (int row = y; row < y + side; ++row) {
      float* line = planes + (size_t(c) * height_ + row) * width_ + x;
      std::fill(line, line + side, 0.f);
    }
}

}  // namespace relunet
