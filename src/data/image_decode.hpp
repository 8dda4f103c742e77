// image_decode.hpp — image files of any format OpenCV reads, as 8-bit RGB; and RGB images
// fitted to a model's input size.
#pragma once

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace relunet {

// Images with more pixels than this are refused before any pixel is decoded (64 Mi pixels,
// 192 MiB as 8-bit RGB), except single-scan JPEGs: libjpeg decodes those at 1/2, 1/4 or 1/8
// scale in memory proportional to the reduced image, so they are decoded at the largest of
// these scales that fits.
constexpr int64_t kMaxImagePixels = int64_t(1) << 26;
// Larger files are refused before they are read (an uncompressed 16-bit RGBA image at the pixel
// limit is 512 MiB).
constexpr int64_t kMaxImageFileBytes = int64_t(1) << 30;

// Decodes `path` to 8-bit RGB (CV_8UC3), whatever the file holds:
// - colour samples in R, G, B order; grey images replicated into the three channels;
// - alpha composited onto white (transparent areas look as most viewers show them, instead of
//   exposing the undefined colour under alpha 0);
// - 16-bit samples scaled by 255/65535; floating-point samples (taken as 0..1) by 255, saturated;
// - JPEG EXIF orientation applied.
// The format comes from the file's content, not its name. Throws std::runtime_error starting
// with `path` for a missing, unreadable, empty, non-image, truncated or corrupt file, or one
// over `max_pixels` that cannot be decoded reduced.
cv::Mat decode_rgb(const std::string& path, int64_t max_pixels = kMaxImagePixels);

enum class FitMode {
  Resize,      // the whole image, stretched to the input's aspect ratio
  CenterCrop,  // the largest centred region of the input's aspect ratio, then resized
};

// `rgb` at exactly height x width: INTER_AREA when shrinking in both directions (it averages
// every source pixel, so no aliasing), INTER_LINEAR otherwise. May return `rgb` itself (shared
// data) when it already has that size.
cv::Mat to_model_input(const cv::Mat& rgb, int height, int width, FitMode mode);

}  // namespace relunet
